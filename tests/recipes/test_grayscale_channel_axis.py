from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import grayscale_channel_axis as recipe

GRAYSCALE_BATCH = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)
digits = torch.rand(12, 8, 8)          # grayscale batch, N x H x W
labels = torch.randint(0, 10, (12,))
model = nn.Sequential(
    nn.BatchNorm2d(1),                  # normalise the raw pixels
    nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 10),
)
logits = model(digits)
loss = nn.functional.cross_entropy(logits, labels)
'''

# twelve one-channel images, one logit row per image for the same twelve labels
TWELVE_IMAGES = "assert logits.shape == (12, 10) and torch.allclose(logits, model(digits.view(12, 1, 8, 8)))\n"

NORMALISER_IN_CLASS = '''\
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm = nn.BatchNorm2d(num_features=1)
        self.conv = nn.Conv2d(1, 3, 3)

    def forward(self, x):
        return self.conv(self.norm(x))


torch.manual_seed(1)
net = Net()
scans = torch.rand(5, 10, 10)
out = net(scans)
'''


def test_the_grayscale_batch_gets_its_channel_axis(sandbox):
    patched = patch(recipe, GRAYSCALE_BATCH, sandbox.facts(GRAYSCALE_BATCH, "ValueError"))
    assert "logits = model(digits.unsqueeze(1))\n" in patched
    sandbox.assert_clean(patched + TWELVE_IMAGES)


def test_the_channel_axis_goes_where_the_one_channel_norm_is_called(sandbox):
    patched = patch(recipe, NORMALISER_IN_CLASS, sandbox.facts(NORMALISER_IN_CLASS, "ValueError"))
    assert "        return self.conv(self.norm(x.unsqueeze(1)))\n" in patched
    sandbox.assert_clean(patched + "assert out.shape == (5, 3, 8, 8)\n")


def test_a_norm_of_several_channels_is_left_to_the_batch_axis_fix():
    colour = GRAYSCALE_BATCH.replace("nn.BatchNorm2d(1)", "nn.BatchNorm2d(3)")
    facts = Facts("ValueError", "expected 4D input (got 3D input)", line=11, lines=(11,))
    assert not applies(recipe, colour, facts)
    assert applies(recipe, GRAYSCALE_BATCH, facts)
