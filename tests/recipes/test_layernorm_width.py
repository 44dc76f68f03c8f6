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


def test_the_norm_takes_the_real_width_as_its_neighbour_spells_it(sandbox):
    patched = patch(recipe, MLP_BLOCK, sandbox.facts(MLP_BLOCK, "RuntimeError"))
    assert "self.norm = nn.LayerNorm(dim * expansion)          # written before the expansion was added" in patched
    sandbox.assert_clean(patched + "assert out.shape == (8, 10, 64) and block.norm.weight.shape == (128,)\n"
                                   "assert FeedForward(32)(torch.randn(2, 3, 32)).shape == (2, 3, 32)\n")


def test_a_norm_inside_sequential_is_found_by_its_width(sandbox):
    patched = patch(recipe, SEQUENTIAL, sandbox.facts(SEQUENTIAL, "RuntimeError"))
    assert "nn.Linear(20, 48), nn.LayerNorm(48), nn.GELU()" in patched
    sandbox.assert_clean(patched + "assert pred.shape == (5, 1)\n")


def test_channels_first_features_are_not_a_width_problem():
    facts = Facts("RuntimeError", "Given normalized_shape=[40], expected input with shape [*, 40], but got input of "
                                  "size[5, 40, 48]", line=5)
    assert not applies(recipe, SEQUENTIAL, facts)


BIDIRECTIONAL_ENCODER = '''\
import torch
import torch.nn as nn

HIDDEN = 48


class TextEncoder(nn.Module):
    def __init__(self, vocab, hidden):
        super().__init__()
        self.emb = nn.Embedding(vocab, 16)
        self.rnn = nn.GRU(16, hidden, batch_first=True, bidirectional=True)
        self.norm = nn.LayerNorm(hidden)
        self.cls = nn.Linear(2 * hidden, 3)

    def forward(self, ids):
        out, _ = self.rnn(self.emb(ids))
        return self.cls(self.norm(out).mean(1))


enc = TextEncoder(30, HIDDEN)
logits = enc(torch.randint(0, 30, (4, 9)))
'''


def test_a_bidirectional_width_follows_the_hidden_size(sandbox):
    patched = patch(recipe, BIDIRECTIONAL_ENCODER, sandbox.facts(BIDIRECTIONAL_ENCODER, "RuntimeError"))
    assert "self.norm = nn.LayerNorm(2 * hidden)" in patched
    sandbox.assert_clean(patched + (
        "assert logits.shape == (4, 3) and enc.norm.weight.shape == (96,)\n"
        "assert TextEncoder(30, 8)(torch.randint(0, 30, (2, 5))).shape == (2, 3)\n"))


TOWER = '''\
import torch
from torch import nn


def tower(widths, act=nn.SiLU):
    """Linear -> LayerNorm -> activation for each consecutive pair of widths."""
    blocks = []
    for width_in, width_out in zip(widths, widths[1:]):
        blocks.append(nn.Sequential(nn.Linear(width_in, width_out), nn.LayerNorm(width_in), act()))
    return nn.Sequential(*blocks)


encoder = tower([10, 40, 24])
codes = encoder(torch.randn(6, 10))
codes.pow(2).mean().backward()
'''


def test_a_norm_after_a_linear_takes_its_output_width_in_every_iteration(sandbox):
    patched = patch(recipe, TOWER, sandbox.facts(TOWER, "RuntimeError"))
    assert "nn.Linear(width_in, width_out), nn.LayerNorm(width_out), act()" in patched
    sandbox.assert_clean(patched + "assert codes.shape == (6, 24)\n"
                                   "norms = [m for m in encoder.modules() if isinstance(m, nn.LayerNorm)]\n"
                                   "assert [n.normalized_shape for n in norms] == [(40,), (24,)]\n")
