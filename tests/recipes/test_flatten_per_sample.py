from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import flatten_per_sample as recipe

GUESSED_FEATURES = '''\
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
FEATURES = 16 * 4 * 4                           # guessed for a smaller input


class SmallCNN(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.conv = nn.Conv2d(1, 16, kernel_size=3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(FEATURES, classes)

    def forward(self, x):
        x = self.pool(torch.relu(self.conv(x)))
        x = x.view(-1, FEATURES)
        return self.fc(x)


data = TensorDataset(torch.randn(32, 1, 16, 16), torch.randint(0, 10, (32,)))
model = SmallCNN()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for images, labels in DataLoader(data, batch_size=8):
    logits = model(images)
    loss = nn.functional.cross_entropy(logits, labels)
    opt.zero_grad()
    loss.backward()
    opt.step()
'''

# One row of logits per image: the batch axis survived.
PER_IMAGE = '''
assert logits.shape == (8, 10) and model.fc.in_features == 16 * 8 * 8
'''


def test_flattens_per_sample_and_sizes_the_classifier(sandbox):
    patched = patch(recipe, GUESSED_FEATURES, sandbox.facts(GUESSED_FEATURES, "ValueError"))
    assert "        x = x.flatten(1)\n" in patched
    assert "        self.fc = nn.Linear(1024, classes)\n" in patched
    sandbox.assert_clean(patched + PER_IMAGE)


def test_no_match_when_no_linear_takes_the_folded_width():
    code = "import torch.nn as nn\nfc = nn.Linear(100, 2)\nh = x.view(-1, 64)\n"
    facts = Facts("ValueError", "Expected input batch_size (32) to match target batch_size (8).")
    assert not applies(recipe, code, facts)
    assert applies(recipe, code.replace("100", "64"), facts)


HIDDEN_AS_WIDE = '''\
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
HIDDEN = 64


class Encoder(nn.Module):
    def __init__(self, n_classes=4):
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 3, stride=2, padding=1)
        self.pool = nn.AdaptiveAvgPool2d(4)
        self.fc = nn.Linear(16 * 2 * 2, HIDDEN)
        self.out = nn.Linear(HIDDEN, n_classes)

    def forward(self, x):
        x = self.pool(F.relu(self.conv(x)))
        x = x.view(-1, 16 * 2 * 2)
        return self.out(F.relu(self.fc(x)))


model = Encoder()
batch = torch.randn(10, 3, 32, 32)
target = torch.randint(0, 4, (10,))
logits = model(batch)
loss = F.cross_entropy(logits, target)
loss.backward()
'''

# The first Linear takes the pooled 16 x 4 x 4 features; the output layer keeps its HIDDEN inputs.
POOLED_FEATURES = '''
assert logits.shape == (10, 4)
assert model.fc.in_features == 256 and model.out.in_features == HIDDEN
'''

CONFIG_WIDTH = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)
cfg = {"channels": 8, "flat": 8 * 4 * 4, "classes": 5}


class Model(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, cfg["channels"], 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.flat = cfg["flat"]
        self.classifier = nn.Linear(cfg["flat"], cfg["classes"])

    def forward(self, x):
        h = self.features(x)
        return self.classifier(h.reshape(-1, self.flat))


model = Model(cfg)
x = torch.randn(6, 3, 16, 16)
y = torch.randint(0, cfg["classes"], (6,))
out = model(x)
loss = nn.functional.cross_entropy(out, y)
loss.backward()
'''


def test_a_hidden_layer_as_wide_as_the_fold_is_left_alone(sandbox):
    patched = patch(recipe, HIDDEN_AS_WIDE, sandbox.facts(HIDDEN_AS_WIDE, "ValueError"))
    assert "        x = x.flatten(1)\n" in patched
    assert "        self.fc = nn.Linear(256, HIDDEN)\n        self.out = nn.Linear(HIDDEN, n_classes)\n" in patched
    sandbox.assert_clean(patched + POOLED_FEATURES)


def test_a_width_from_a_config_through_an_attribute(sandbox):
    patched = patch(recipe, CONFIG_WIDTH, sandbox.facts(CONFIG_WIDTH, "ValueError"))
    assert "        return self.classifier(h.flatten(1))\n" in patched
    assert '        self.classifier = nn.Linear(512, cfg["classes"])\n' in patched
    sandbox.assert_clean(patched + "\nassert out.shape == (6, 5)\n")
