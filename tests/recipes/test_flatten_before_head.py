from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import flatten_before_head as recipe

LAZY_SEQUENTIAL = '''\
import torch
import torch.nn as nn


def make_model(classes=10):
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Dropout(0.1),
        nn.LazyLinear(classes),
    )


model = make_model()
images, labels = torch.randn(32, 1, 28, 28), torch.randint(0, 10, (32,))
model(images[:1])                      # initialises the lazy head
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
loss_fn = nn.CrossEntropyLoss()
for epoch in range(2):
    logits = model(images)
    loss = loss_fn(logits, labels)
    opt.zero_grad()
    loss.backward()
    opt.step()
'''

SPECTROGRAM = '''\
import torch
from torch import nn
import torch.nn.functional as F


class KeywordSpotter(nn.Module):
    def __init__(self, classes=12):
        super().__init__()
        self.conv = nn.Conv1d(40, 64, 5, padding=2)
        self.pool = nn.AdaptiveAvgPool1d(1)
        self.head = nn.LazyLinear(classes)

    def forward(self, mel):
        h = self.pool(F.relu(self.conv(mel)))       # [N, 64, 1]
        return self.head(h)


spotter = KeywordSpotter()
mel, words = torch.randn(6, 40, 101), torch.randint(0, 12, (6,))
logits = spotter(mel)
F.cross_entropy(logits, words).backward()
'''


def test_sequential_gets_a_flatten_before_its_head(sandbox):
    patched = patch(recipe, LAZY_SEQUENTIAL, sandbox.facts(LAZY_SEQUENTIAL, "RuntimeError"))
    assert "        nn.Dropout(0.1),\n        nn.Flatten(), nn.LazyLinear(classes),\n" in patched
    sandbox.assert_clean(patched + "assert logits.shape == (32, 10) and model[-1].in_features == 16 * 7 * 7\n")


def test_forward_flattens_before_the_head(sandbox):
    patched = patch(recipe, SPECTROGRAM, sandbox.facts(SPECTROGRAM, "RuntimeError"))
    assert "        h = h.flatten(1)\n        return self.head(h)\n" in patched
    sandbox.assert_clean(patched + "assert logits.shape == (6, 12) and spotter.head.in_features == 64\n")


def test_a_head_after_flatten_is_left_alone():
    facts = Facts("RuntimeError", "only batches of spatial targets supported (3D tensors) but got targets of dimension: 1")
    flat = "import torch.nn as nn\nnet = nn.Sequential(nn.Conv2d(1, 4, 3), nn.Flatten(), nn.LazyLinear(2))\n"
    assert not applies(recipe, flat, facts)
    assert applies(recipe, flat.replace("nn.Flatten(), ", ""), facts)


FEATURE_MAP_INTO_SIZED_HEAD = '''\
import torch
import torch.nn as nn


class SmallCNN(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(4 * 4 * 4, classes)

    def forward(self, x):
        x = self.pool(torch.relu(self.conv(x)))
        return self.fc(x)


model = SmallCNN()
images, labels = torch.randn(8, 1, 8, 8), torch.randint(0, 10, (8,))
logits = model(images)
loss = nn.functional.cross_entropy(logits, labels)
loss.backward()
'''


def test_a_head_sized_for_the_flat_map_is_fed_the_flattened_map(sandbox):
    """The head already has in_features = C*H*W, so the Linear sees the map's last axis and says
    'mat1 and mat2 shapes cannot be multiplied': flattening, not resizing the head, is the fix."""
    facts = sandbox.facts(FEATURE_MAP_INTO_SIZED_HEAD, "RuntimeError")
    assert "mat1 and mat2 shapes cannot be multiplied (128x4 and 64x10)" in facts.message
    patched = patch(recipe, FEATURE_MAP_INTO_SIZED_HEAD, facts)
    assert "        x = x.flatten(1)\n        return self.fc(x)\n" in patched and "nn.Linear(4 * 4 * 4, classes)" in patched
    sandbox.assert_clean(patched + "assert logits.shape == (8, 10)\n")


POOLED_FEATURES = '''\
import torch
import torch.nn as nn

features = nn.Sequential(
    nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
)
classifier = nn.Linear(32, 10)

images = torch.randn(5, 3, 16, 16)
logits = classifier(features(images))
'''


def test_a_head_called_on_a_feature_map_in_a_script_flattens_it(sandbox):
    facts = sandbox.facts(POOLED_FEATURES, "RuntimeError")
    patched = patch(recipe, POOLED_FEATURES, facts)
    assert "logits = classifier(features(images).flatten(1))" in patched
    assert "nn.Linear(32, 10)" in patched
    sandbox.assert_clean(patched + (
        "assert logits.shape == (5, 10)\n"
        "assert torch.allclose(logits, features(images)[:, :, 0, 0] @ classifier.weight.T + classifier.bias)\n"))
