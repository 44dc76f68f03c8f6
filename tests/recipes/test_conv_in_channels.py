from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import conv_in_channels as recipe

GRAYSCALE_DIGITS = '''\
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import Dataset, DataLoader


class Digits(Dataset):
    def __init__(self, n=64):
        self.images = torch.rand(n, 1, 28, 28)
        self.labels = torch.randint(0, 10, (n,))

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, idx):
        return self.images[idx], self.labels[idx]


class SmallCNN(nn.Module):
    def __init__(self, in_channels=3, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 16, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.classifier = nn.Linear(16 * 14 * 14, num_classes)

    def forward(self, x):
        x = self.features(x)
        return self.classifier(torch.flatten(x, 1))


model = SmallCNN()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for images, labels in DataLoader(Digits(), batch_size=16):
    loss = F.cross_entropy(model(images), labels)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
'''

STACKED_CONVS = '''\
import torch
from torch import nn


def make_backbone():
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
        nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
    )


backbone = make_backbone()
feats = backbone(torch.randn(4, 3, 32, 32)).flatten(1)
'''

ARGPARSE_MELS = '''\
import argparse
import torch
import torch.nn as nn

ap = argparse.ArgumentParser()
ap.add_argument("--n-mels", type=int, default=40)
ap.add_argument("--classes", type=int, default=6)
opts = ap.parse_args([])


class KeywordSpotter(nn.Module):
    def __init__(self, n_mels, classes):
        super().__init__()
        self.conv = nn.Conv1d(n_mels, 64, kernel_size=5)
        self.pool = nn.AdaptiveMaxPool1d(1)
        self.fc = nn.Linear(64, classes)

    def forward(self, spec):
        return self.fc(self.pool(torch.relu(self.conv(spec))).squeeze(-1))


spotter = KeywordSpotter(opts.n_mels, opts.classes)
spectrograms = torch.randn(10, 64, 101)
targets = torch.randint(0, opts.classes, (10,))
loss = nn.CrossEntropyLoss()(spotter(spectrograms), targets)
loss.backward()
'''

CHANNELS_LAST_PHOTOS = '''\
import torch
import torch.nn as nn

photos = torch.rand(8, 32, 32, 3)              # as PIL/NumPy give them
stem = nn.Sequential(nn.Conv2d(3, 16, 3), nn.ReLU())
features = stem(photos)
'''

DEPTHWISE = '''\
import torch
import torch.nn as nn

block = nn.Conv2d(16, 16, 3, padding=1, groups=8)
out = block(torch.randn(2, 8, 10, 10))
'''


def test_a_grayscale_batch_gets_a_one_channel_first_layer(sandbox):
    facts = sandbox.facts(GRAYSCALE_DIGITS, "RuntimeError")
    patched = patch(recipe, GRAYSCALE_DIGITS, facts)
    assert "            nn.Conv2d(1, 16, kernel_size=3, padding=1),\n" in patched
    sandbox.assert_clean(patched + "assert model(images).shape == (16, 10) and loss.dim() == 0\n")


def test_the_layer_the_weight_names_is_edited_not_the_first_one(sandbox):
    facts = sandbox.facts(STACKED_CONVS, "RuntimeError")
    patched = patch(recipe, STACKED_CONVS, facts)
    assert "nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8)" in patched
    assert "nn.Conv2d(8, 32, 3, padding=1), nn.BatchNorm2d(32)" in patched
    sandbox.assert_clean(patched + "assert feats.shape == (4, 32)\n")


def test_a_conv1d_sized_from_an_argparse_default(sandbox):
    facts = sandbox.facts(ARGPARSE_MELS, "RuntimeError")
    patched = patch(recipe, ARGPARSE_MELS, facts)
    assert "self.conv = nn.Conv1d(64, 64, kernel_size=5)" in patched
    sandbox.assert_clean(patched + "assert spotter(spectrograms).shape == (10, 6)\n")


def test_not_for_a_channels_last_batch(sandbox):
    facts = sandbox.facts(CHANNELS_LAST_PHOTOS, "RuntimeError")
    assert not applies(recipe, CHANNELS_LAST_PHOTOS, facts)


def test_not_for_a_grouped_convolution(sandbox):
    facts = sandbox.facts(DEPTHWISE, "RuntimeError")
    assert not applies(recipe, DEPTHWISE, facts)
