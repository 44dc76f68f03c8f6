import pytest

from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import batchnorm_for_conv as recipe

CONV1D_SEQUENTIAL = '''\
import torch
import torch.nn as nn

torch.manual_seed(1)


class SignalNet(nn.Module):
    def __init__(self, in_ch=2, width=16):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv1d(in_ch, width, kernel_size=5, padding=2),
            nn.BatchNorm2d(width),
            nn.ReLU(),
            nn.AdaptiveAvgPool1d(1),
        )
        self.classifier = nn.Linear(width, 3)

    def forward(self, x):
        return self.classifier(self.features(x).squeeze(-1))


model = SignalNet()
opt = torch.optim.SGD(model.parameters(), lr=0.05)
x = torch.randn(8, 2, 100)
y = torch.randint(0, 3, (8,))
for step in range(3):
    loss = nn.functional.cross_entropy(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
'''

# BatchNorm1d over [N, C, L]: per channel, over the batch and the length
NORMALISED_PER_CHANNEL = '''
model.train()
h = model.features[0](x)
normed = model.features[1](h)
mean = h.mean(dim=(0, 2), keepdim=True)
var = h.var(dim=(0, 2), unbiased=False, keepdim=True)
assert torch.allclose(normed, (h - mean) / (var + 1e-5).sqrt() * model.features[1].weight[:, None]
                      + model.features[1].bias[:, None], atol=1e-4)
assert model(x).shape == (8, 3)
'''

CONV1D_BLOCK = '''\
import torch
from torch import nn

torch.manual_seed(2)


class Block(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = nn.Conv1d(cin, cout, 3, padding=1)
        self.norm = nn.BatchNorm2d(cout)

    def forward(self, x):
        x = self.conv(x)
        x = self.norm(x)
        return torch.relu(x)


net = nn.Sequential(Block(1, 4), Block(4, 8))
audio = torch.randn(5, 1, 64)
out = net(audio)
'''

CONV3D_STEM = '''\
import torch
import torch.nn as nn

torch.manual_seed(4)


class VideoStem(nn.Module):
    def __init__(self, channels=3, width=8):
        super().__init__()
        self.conv = nn.Conv3d(channels, width, kernel_size=3, padding=1)
        self.bn = nn.BatchNorm2d(width)
        self.head = nn.Linear(width, 2)

    def forward(self, clip):                 # [N, C, T, H, W]
        h = torch.relu(self.bn(self.conv(clip)))
        return self.head(h.mean(dim=(2, 3, 4)))


model = VideoStem()
clips = torch.randn(2, 3, 4, 16, 16)
out = model(clips)
out.sum().backward()
'''

SINGLE_IMAGE = '''\
import torch
import torch.nn as nn
from torch.utils.data import Dataset

torch.manual_seed(0)


class Shapes(Dataset):
    def __len__(self):
        return 10

    def __getitem__(self, i):
        return torch.rand(3, 28, 28), i % 4


class SmallCNN(nn.Module):
    def __init__(self, classes=4):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(8, classes)

    def forward(self, x):
        x = torch.relu(self.bn1(self.conv1(x)))
        return self.fc(self.pool(x).flatten(1))


model = SmallCNN().eval()
ds = Shapes()
image, label = ds[3]
with torch.no_grad():
    probs = model(image).softmax(dim=1)
print(probs.argmax(1).item(), label)
'''


def test_batchnorm_after_a_conv1d_in_a_sequential(sandbox):
    patched = patch(recipe, CONV1D_SEQUENTIAL, sandbox.facts(CONV1D_SEQUENTIAL, "ValueError"))
    assert "            nn.Conv1d(in_ch, width, kernel_size=5, padding=2),\n            nn.BatchNorm1d(width),\n" in patched
    sandbox.assert_clean(patched + NORMALISED_PER_CHANNEL)


def test_every_block_reassigning_its_input(sandbox):
    patched = patch(recipe, CONV1D_BLOCK, sandbox.facts(CONV1D_BLOCK, "ValueError"))
    assert "        self.norm = nn.BatchNorm1d(cout)\n" in patched
    sandbox.assert_clean(patched + "assert out.shape == (5, 8, 64)\nassert isinstance(net[1].norm, nn.BatchNorm1d)\n")


def test_batchnorm_after_a_conv3d(sandbox):
    patched = patch(recipe, CONV3D_STEM, sandbox.facts(CONV3D_STEM, "ValueError"))
    assert "        self.bn = nn.BatchNorm3d(width)\n" in patched
    sandbox.assert_clean(patched + "assert out.shape == (2, 2) and model.bn.weight.grad is not None\n")


def test_not_for_a_single_image_through_a_conv2d(sandbox):
    facts = sandbox.facts(SINGLE_IMAGE, "ValueError")
    assert "expected 4D input (got 3D input)" in facts.message
    assert not applies(recipe, SINGLE_IMAGE, facts)


ACTIVATION_BETWEEN = '''\
import torch
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader

torch.manual_seed(2)


class Spectra(Dataset):
    def __len__(self):
        return 16

    def __getitem__(self, i):
        return torch.randn(4, 50), i % 2


def make_model(width=8):
    return nn.Sequential(
        nn.Conv1d(4, width, 3), nn.ReLU(), nn.BatchNorm2d(width),
        nn.AdaptiveMaxPool1d(1), nn.Flatten(), nn.Linear(width, 2))


model = make_model()
opt = torch.optim.Adam(model.parameters())
for xb, yb in DataLoader(Spectra(), batch_size=4):
    loss = nn.functional.cross_entropy(model(xb), yb)
    opt.zero_grad()
    loss.backward()
    opt.step()
'''

ACTIVATIONS_IN_FORWARD = '''\
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(6)


class TCN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(3, 6, 3, padding=1)
        self.act = nn.GELU()
        self.bn = nn.BatchNorm2d(6)

    def forward(self, x):
        x = F.relu(self.conv(x))
        x = self.act(x)
        return self.bn(x)


out = TCN()(torch.randn(4, 3, 30))
'''


@pytest.mark.parametrize("broken, fixed_line, meant", [
    (ACTIVATION_BETWEEN, "        nn.Conv1d(4, width, 3), nn.ReLU(), nn.BatchNorm1d(width),\n",
     "assert model(torch.randn(3, 4, 50)).shape == (3, 2)\n"),
    (ACTIVATIONS_IN_FORWARD, "        self.bn = nn.BatchNorm1d(6)\n", "assert out.shape == (4, 6, 30)\n"),
])
def test_looks_through_activations(sandbox, broken, fixed_line, meant):
    patched = patch(recipe, broken, sandbox.facts(broken, "ValueError"))
    assert fixed_line in patched
    sandbox.assert_clean(patched + meant)


TEMPORAL_BLOCKS = '''\
import torch
import torch.nn as nn


class TCN(nn.Module):
    def __init__(self, channels=(2, 8, 16)):
        super().__init__()
        self.convs = nn.ModuleList([nn.Conv1d(a, b, 3, padding=1) for a, b in zip(channels, channels[1:])])
        self.bns = nn.ModuleList([nn.BatchNorm2d(b) for b in channels[1:]])

    def forward(self, x):
        for conv, bn in zip(self.convs, self.bns):
            x = torch.relu(bn(conv(x)))
        return x.mean(-1)


torch.manual_seed(0)
tcn = TCN()
signal = torch.randn(4, 2, 32)
features = tcn(signal)
'''

# each block normalises its conv's channels over batch and time, as BatchNorm1d on [N, C, L] does
PER_CHANNEL_OVER_TIME = '''
x = signal
for conv in tcn.convs:
    y = conv(x)
    x = torch.relu((y - y.mean((0, 2), keepdim=True)) / torch.sqrt(y.var((0, 2), unbiased=False, keepdim=True) + 1e-5))
assert features.shape == (4, 16) and torch.allclose(features, x.mean(-1), atol=1e-5)
'''


def test_norms_in_a_module_list_zipped_with_the_convs_get_the_convs_kind(sandbox):
    patched = patch(recipe, TEMPORAL_BLOCKS, sandbox.facts(TEMPORAL_BLOCKS, "ValueError"))
    assert "        self.bns = nn.ModuleList([nn.BatchNorm1d(b) for b in channels[1:]])\n" in patched
    sandbox.assert_clean(patched + PER_CHANNEL_OVER_TIME)
