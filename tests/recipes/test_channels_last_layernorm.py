from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import channels_last_layernorm as recipe

TCN = '''\
import torch
import torch.nn as nn


class ResidualBlock(nn.Module):
    def __init__(self, channels, kernel=3):
        super().__init__()
        self.conv = nn.Conv1d(channels, channels, kernel, padding=kernel // 2)
        self.norm = nn.LayerNorm(channels)

    def forward(self, x):                        # x: [batch, channels, time]
        return x + torch.relu(self.norm(self.conv(x)))


blocks = nn.Sequential(ResidualBlock(32), ResidualBlock(32))
signal = torch.randn(4, 32, 50)
out = blocks(signal)
out.mean().backward()
'''

MEANT = '''
normed = []
blocks[0].norm.register_forward_hook(lambda m, i, o: normed.append(o))
assert blocks(signal).shape == (4, 32, 50)
assert normed[0].shape == (4, 50, 32) and normed[0].mean(-1).abs().max() < 1e-5   # over channels per step
'''

CONVNEXT = '''\
import torch
from torch import nn

stem = nn.Conv2d(3, 16, 4, stride=4)
norm = nn.LayerNorm(16, eps=1e-6)
images = torch.randn(2, 3, 32, 32)
features = norm(stem(images))
'''


SEQUENTIAL_TCN = '''\
import torch
import torch.nn as nn

WIDTH = 24
net = nn.Sequential(
    nn.Conv1d(3, WIDTH, 5, padding=2), nn.LayerNorm(WIDTH), nn.GELU(),
    nn.Conv1d(WIDTH, WIDTH, 5, padding=2), nn.LayerNorm(WIDTH), nn.GELU(),
)
series = torch.randn(8, 3, 40)
hidden = net(series)
'''


def test_moves_channels_last_around_the_norm(sandbox):
    patched = patch(recipe, TCN, sandbox.facts(TCN, "RuntimeError"))
    assert "return x + torch.relu(self.norm(self.conv(x).movedim(1, -1)).movedim(-1, 1))" in patched
    sandbox.assert_clean(patched + MEANT)


def test_image_features(sandbox):
    patched = patch(recipe, CONVNEXT, sandbox.facts(CONVNEXT, "RuntimeError"))
    assert "features = norm(stem(images).movedim(1, -1)).movedim(-1, 1)" in patched
    sandbox.assert_clean(patched + "assert features.shape == (2, 16, 8, 8)\n")


def test_norms_inside_sequential_become_a_channels_last_subclass(sandbox):
    patched = patch(recipe, SEQUENTIAL_TCN, sandbox.facts(SEQUENTIAL_TCN, "RuntimeError"))
    assert "class ChannelsLastLayerNorm(nn.LayerNorm):" in patched
    assert patched.count("ChannelsLastLayerNorm(WIDTH), nn.GELU(),") == 2
    check = "assert hidden.shape == (8, 24, 40) and net[1](net[0](series)).mean(1).abs().max() < 1e-5\n"
    sandbox.assert_clean(patched + check)


def test_a_wrong_width_is_not_a_layout_problem():
    facts = Facts("RuntimeError", "Given normalized_shape=[32], expected input with shape [*, 32], but got input of "
                                  "size[8, 10, 64]", line=7)
    assert not applies(recipe, CONVNEXT, facts)


FUNCTIONAL_NORM = '''\
import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)
conv = nn.Conv1d(6, 12, kernel_size=5, padding=2)
gamma = nn.Parameter(torch.rand(12) + 0.5)
beta = nn.Parameter(torch.randn(12))


def encode(wave):
    feats = conv(wave)
    feats = F.layer_norm(feats, (12,), gamma, beta)
    return feats


batch = torch.randn(3, 6, 40)
z = encode(batch)
'''


def test_functional_layer_norm_normalises_each_position_over_channels(sandbox):
    patched = patch(recipe, FUNCTIONAL_NORM, sandbox.facts(FUNCTIONAL_NORM, "RuntimeError"))
    assert "feats = F.layer_norm(feats.movedim(1, -1), (12,), gamma, beta).movedim(-1, 1)" in patched
    sandbox.assert_clean(patched + (
        "h = conv(batch)\n"
        "mean, var = h.mean(1, keepdim=True), h.var(1, unbiased=False, keepdim=True)\n"
        "expected = (h - mean) / (var + 1e-5).sqrt() * gamma[:, None] + beta[:, None]\n"
        "assert z.shape == (3, 12, 40) and torch.allclose(z, expected, atol=1e-5)\n"))
