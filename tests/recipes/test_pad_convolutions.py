from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import pad_convolutions as recipe

CROPS = '''\
import torch
import torch.nn as nn

CONFIG = {"widths": (16, 32, 64), "kernel": 5}


class SmallCNN(nn.Module):
    """Designed for 32x32 CIFAR images: 32 -> 28 -> 14 -> 10 -> 5 -> 1."""

    def __init__(self, widths, kernel, classes=10):
        super().__init__()
        c1, c2, c3 = widths
        self.features = nn.Sequential(
            nn.Conv2d(3, c1, kernel), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(c1, c2, kernel), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(c2, c3, kernel_size=kernel), nn.ReLU(),
            nn.Conv2d(c3, c3, 1),                      # a 1x1 mixing layer needs no padding
        )
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c3, classes))

    def forward(self, x):
        return self.head(self.features(x))


model = SmallCNN(CONFIG["widths"], kernel=5)
opt = torch.optim.SGD(model.parameters(), lr=0.01)
for step in range(2):
    images, labels = torch.randn(8, 3, 24, 24), torch.randint(0, 10, (8,))   # now trained on 24x24 crops
    loss = nn.functional.cross_entropy(model(images), labels)
    opt.zero_grad()
    loss.backward()
    opt.step()
'''

MEANT = '''
for size in (24, 32):
    assert model.features(torch.randn(2, 3, size, size)).shape == (2, 64, size // 4, size // 4)
'''

SHORT_SIGNALS = '''\
import torch
from torch import nn

tcn = nn.Sequential(nn.Conv1d(2, 8, 7), nn.ReLU(), nn.Conv1d(8, 8, 7, 1), nn.ReLU(), nn.Conv1d(8, 1, 7))
windows = torch.randn(16, 2, 15)
forecast = tcn(windows)
'''


def test_unpadded_convs_keep_their_size(sandbox):
    patched = patch(recipe, CROPS, sandbox.facts(CROPS, "RuntimeError"))
    assert "nn.Conv2d(3, c1, kernel, padding=kernel // 2), nn.ReLU(), nn.MaxPool2d(2)," in patched
    assert "nn.Conv2d(c2, c3, kernel_size=kernel, padding=kernel // 2), nn.ReLU()," in patched
    assert "nn.Conv2d(c3, c3, 1)," in patched
    sandbox.assert_clean(patched + MEANT)


def test_one_dimensional_stack(sandbox):
    patched = patch(recipe, SHORT_SIGNALS, sandbox.facts(SHORT_SIGNALS, "RuntimeError"))
    assert "nn.Conv1d(2, 8, 7, padding=3), nn.ReLU(), nn.Conv1d(8, 8, 7, 1, padding=3)" in patched
    sandbox.assert_clean(patched + "assert forecast.shape == (16, 1, 15)\n")


def test_already_padded_convs_are_not_touched():
    facts = Facts("RuntimeError", "Calculated padded input size per channel: (3 x 3). Kernel size: (5 x 5). "
                                  "Kernel size can't be greater than actual input size")
    padded = "import torch.nn as nn\nnet = nn.Sequential(nn.Conv2d(3, 8, 5, padding=1), nn.Conv2d(8, 8, 5, 1, 0))\n"
    assert not applies(recipe, padded, facts)
    assert applies(recipe, padded.replace(", padding=1", ""), facts)
