from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import channels_last_permute as recipe

SATELLITE = '''\
import torch
import torch.nn as nn

tiles = torch.rand(6, 64, 64, 4)         # RGB + near-infrared, from rasterio as HWC

class TileNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(4, 16, 3, stride=2)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 2))

    def forward(self, x):
        return self.head(torch.relu(self.stem(x)))

model = TileNet()
loss = nn.functional.cross_entropy(model(tiles), torch.zeros(6, dtype=torch.long))
loss.backward()
'''


def test_permutes_the_images_where_they_enter_the_model(sandbox):
    patched = patch(recipe, SATELLITE, sandbox.facts(SATELLITE, "RuntimeError"))
    assert "model(tiles.permute(0, 3, 1, 2))" in patched
    sandbox.assert_clean(patched)


def test_conv1d_sequences_swap_the_last_two_axes(sandbox):
    broken = ("import torch\nconv = torch.nn.Conv1d(6, 8, 3)\nseq = torch.randn(2, 40, 6)\nprint(conv(seq).shape)\n")
    patched = patch(recipe, broken, sandbox.facts(broken, "RuntimeError"))
    assert "print(conv(seq.permute(0, 2, 1)).shape)" in patched
    sandbox.assert_clean(patched)


def test_a_genuine_channel_mismatch_is_not_channels_last():
    message = ("Given groups=1, weight of size [16, 3, 3, 3], expected input[8, 1, 28, 28] to have 3 channels, "
               "but got 1 channels instead")
    assert not applies(recipe, ("y = model(x)\n"), Facts("RuntimeError", message, line=1, lines=(1,)))
