from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import integer_layer_size as recipe

ARGPARSE_MLP = '''\
import argparse

import torch
import torch.nn as nn


class Classifier(nn.Module):
    def __init__(self, in_dim, classes):
        super().__init__()
        self.body = nn.Sequential(
            nn.Linear(in_dim, in_dim / 2),
            nn.ReLU(),
            nn.Linear(in_dim // 2, classes),
        )

    def forward(self, x):
        return self.body(x)


parser = argparse.ArgumentParser()
parser.add_argument("--features", type=int, default=40)
parser.add_argument("--classes", type=int, default=5)
args = parser.parse_args([])

torch.manual_seed(0)
model = Classifier(args.features, args.classes)
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
x, y = torch.randn(32, args.features), torch.randint(0, args.classes, (32,))
for step in range(5):
    logits = model(x)
    loss = nn.functional.cross_entropy(logits, y)
    opt.zero_grad()
    loss.backward()
    opt.step()
'''

# The hidden width is the half the next layer expects, and the model trains on the same targets.
HALF_WIDTH = '''
assert model.body[0].out_features == 20 and logits.shape == (32, 5)
assert torch.isfinite(loss)
'''


def test_true_division_in_the_call_becomes_floor_division(sandbox):
    patched = patch(recipe, ARGPARSE_MLP, sandbox.facts(ARGPARSE_MLP, "TypeError"))
    assert "            nn.Linear(in_dim, in_dim // 2),\n" in patched
    assert patched.count("//") == 2
    sandbox.assert_clean(patched + HALF_WIDTH)


INVERTED_RESIDUAL = '''\
import torch
from torch import nn


def inverted_residual(channels, expansion=0.5):
    """1x1 squeeze, 3x3 depthwise, 1x1 back to the input width."""
    hidden = channels * expansion
    return nn.Sequential(
        nn.Conv2d(channels, hidden, kernel_size=1),
        nn.BatchNorm2d(hidden),
        nn.ReLU6(),
        nn.Conv2d(hidden, hidden, kernel_size=3, padding=1, groups=hidden),
        nn.Conv2d(hidden, channels, kernel_size=1),
    )


class Backbone(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 32, 3, padding=1)
        self.blocks = nn.ModuleList([inverted_residual(32), inverted_residual(32, expansion=0.25)])

    def forward(self, x):
        x = self.stem(x)
        for block in self.blocks:
            x = x + block(x)
        return x


features = Backbone()(torch.randn(2, 3, 16, 16))
'''

# The definition of the width is fixed, so every layer that uses it gets the same int.
SAME_WIDTHS = '''
net = Backbone()
assert [b[0].out_channels for b in net.blocks] == [16, 8]
assert net.blocks[0][3].groups == 16 and features.shape == (2, 32, 16, 16)
'''


def test_a_float_factor_is_made_an_int_where_the_width_is_computed(sandbox):
    patched = patch(recipe, INVERTED_RESIDUAL, sandbox.facts(INVERTED_RESIDUAL, "TypeError"))
    assert "    hidden = int(channels * expansion)\n" in patched
    assert "        nn.Conv2d(channels, hidden, kernel_size=1),\n" in patched
    sandbox.assert_clean(patched + SAME_WIDTHS)


JSON_CONFIG = '''\
import json

import torch
import torch.nn as nn

CONFIG = json.loads('{"vocab": 100, "embedding": 32.0, "hidden": 48, "classes": 4}')


class TextModel(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.embed = nn.Embedding(config["vocab"], config["embedding"])
        self.rnn = nn.GRU(32, config["hidden"], batch_first=True)
        self.head = nn.Linear(config["hidden"], config["classes"])

    def forward(self, ids):
        _, h = self.rnn(self.embed(ids))
        return self.head(h[-1])


model = TextModel(CONFIG)
ids = torch.randint(0, 100, (8, 12))
out = model(ids)
'''


def test_a_float_from_a_config_is_converted_where_the_layer_reads_it(sandbox):
    patched = patch(recipe, JSON_CONFIG, sandbox.facts(JSON_CONFIG, "TypeError"))
    assert '        self.embed = nn.Embedding(int(config["vocab"]), int(config["embedding"]))\n' in patched
    assert '        self.head = nn.Linear(config["hidden"], config["classes"])\n' in patched   # not the failing layer
    sandbox.assert_clean(patched + "assert model.embed.embedding_dim == 32 and out.shape == (8, 4)\n")


CALLER_DIVIDES = '''\
import torch
import torch.nn as nn


class Stage(nn.Module):
    def __init__(self, in_channels, out_channels=64):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, 3, padding=1)
        self.pool = nn.MaxPool2d(2)

    def forward(self, x):
        return self.pool(torch.relu(self.conv(x)))


def build(width=64):
    return nn.Sequential(Stage(3, width), Stage(width, width / 2), nn.Flatten(), nn.LazyLinear(10))


net = build()
logits = net(torch.randn(2, 3, 16, 16))
'''


def test_a_division_passed_by_the_caller_is_fixed_where_it_is_made(sandbox):
    patched = patch(recipe, CALLER_DIVIDES, sandbox.facts(CALLER_DIVIDES, "TypeError"))
    assert "Stage(3, width), Stage(width, width // 2), nn.Flatten()" in patched
    assert "        self.conv = nn.Conv2d(in_channels, out_channels, 3, padding=1)\n" in patched
    sandbox.assert_clean(patched + "assert net[1].conv.out_channels == 32 and logits.shape == (2, 10)\n")


def test_a_layer_with_int_sizes_is_left_alone():
    facts = Facts("TypeError", "empty(): argument 'size' (position 1) must be tuple of ints, but found element of "
                               "type tuple at pos 0", line=3, lines=(3,))
    code = "import torch.nn as nn\nwidth = (64,)\nfc = nn.Linear(width, 10)\n"
    assert not applies(recipe, code, facts)
    assert not applies(recipe, "import torch\nwidth = 64\nbuf = torch.empty(width / 2)\n", facts)
    assert applies(recipe, code.replace("(64,)", "128 / 2"), facts)
