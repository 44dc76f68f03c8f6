from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import layernorm_width as recipe

MLP_BLOCK = '''\
import torch
import torch.nn as nn

HIDDEN = 64


class FeedForward(nn.Module):
    def __init__(self, dim, expansion=2):
        super().__init__()
        self.up = nn.Linear(dim, dim * expansion)
        self.norm = nn.LayerNorm(HIDDEN)          # written before the expansion was added
        self.down = nn.Linear(dim * expansion, dim)

    def forward(self, x):
        return x + self.down(torch.relu(self.norm(self.up(x))))


block = FeedForward(HIDDEN)
tokens = torch.randn(8, 10, HIDDEN)
out = block(tokens)
out.sum().backward()
'''

SEQUENTIAL = '''\
import torch
from torch import nn

net = nn.Sequential(nn.Linear(20, 48), nn.LayerNorm(40), nn.GELU(), nn.Linear(48, 1))
pred = net(torch.randn(5, 20))
'''


def test_the_norm_takes_the_real_width(sandbox):
    patched = patch(recipe, MLP_BLOCK, sandbox.facts(MLP_BLOCK, "RuntimeError"))
    assert "self.norm = nn.LayerNorm(128)          # written before the expansion was added" in patched
    sandbox.assert_clean(patched + "assert out.shape == (8, 10, 64) and block.norm.weight.shape == (128,)\n")


def test_a_norm_inside_sequential_is_found_by_its_width(sandbox):
    patched = patch(recipe, SEQUENTIAL, sandbox.facts(SEQUENTIAL, "RuntimeError"))
    assert "nn.Linear(20, 48), nn.LayerNorm(48), nn.GELU()" in patched
    sandbox.assert_clean(patched + "assert pred.shape == (5, 1)\n")


def test_channels_first_features_are_not_a_width_problem():
    facts = Facts("RuntimeError", "Given normalized_shape=[40], expected input with shape [*, 40], but got input of "
                                  "size[5, 40, 48]", line=5)
    assert not applies(recipe, SEQUENTIAL, facts)
