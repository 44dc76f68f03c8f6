from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import ceil_mode_pooling as recipe

VGG_ON_DIGITS = '''\
import torch
import torch.nn as nn


def block(c_in, c_out):
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1), nn.ReLU(), nn.MaxPool2d(kernel_size=2))


class VGGish(nn.Module):
    """Five stages, written for 224x224 photos."""

    def __init__(self, classes=10):
        super().__init__()
        widths = [1, 16, 32, 64, 128, 128]
        self.features = nn.Sequential(*[block(a, b) for a, b in zip(widths, widths[1:])])
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(128, classes))

    def forward(self, x):
        return self.head(self.features(x))


model = VGGish()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
digits, labels = torch.randn(16, 1, 28, 28), torch.randint(0, 10, (16,))
logits = model(digits)
loss = nn.functional.cross_entropy(logits, labels)
opt.zero_grad()
loss.backward()
opt.step()
'''

MEANT = '''
sizes, x = [], digits[:1]
for stage in model.features:
    x = stage(x)
    sizes.append(x.shape[-1])
assert sizes == [14, 7, 4, 2, 1] and logits.shape == (16, 10)
'''

AUDIO = '''\
import torch
import torch.nn.functional as F
from torch import nn

conv = nn.Conv1d(1, 8, 3, padding=1)
x = torch.randn(4, 1, 6)
for _ in range(4):
    x = F.max_pool1d(torch.relu(conv(x) if x.shape[1] == 1 else x), 2)
'''


def test_every_pool_keeps_partial_windows(sandbox):
    patched = patch(recipe, VGG_ON_DIGITS, sandbox.facts(VGG_ON_DIGITS, "RuntimeError"))
    assert "nn.MaxPool2d(kernel_size=2, ceil_mode=True))" in patched
    sandbox.assert_clean(patched + MEANT)


def test_pooling_functions_of_one_dimension(sandbox):
    patched = patch(recipe, AUDIO, sandbox.facts(AUDIO, "RuntimeError"))
    assert "x = F.max_pool1d(torch.relu(conv(x) if x.shape[1] == 1 else x), 2, ceil_mode=True)" in patched
    sandbox.assert_clean(patched + "assert x.shape == (4, 8, 1)\n")


def test_pools_of_other_dimensions_are_left_alone():
    facts = Facts("RuntimeError", "Given input size: (128x1x1). Calculated output size: (128x0x0). Output size is "
                                  "too small")
    assert not applies(recipe, "import torch.nn as nn\npool = nn.MaxPool1d(2)\n", facts)
    assert applies(recipe, "import torch.nn as nn\npool = nn.MaxPool2d(2)\n", facts)
