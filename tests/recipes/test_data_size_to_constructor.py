"""data-size-to-constructor: a model's flattened width comes from a constructor parameter left at
its default, and the script's data has another size. Other shapes of the same situation than the
dev script's (argparse image size of a CNN): a config dict at module level and a 1-D conv over a
sequence length; argparse parsed in place, the size parameter given positionally elsewhere and the
layer inside nn.Sequential; the width read inline from `self.` in the reshape; a model built in a
helper that reads only some entries of the config dict it is handed. Look-alikes it must
leave alone: a hard-coded batch whose parameter sizes no layer (a value that happens to fit the
count is no reason), two script values that both fit, and data whose size no script value gives."""

from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import data_size_to_constructor as recipe

CONFIG_SEQUENCE = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)
CONFIG = {"channels": 4, "seq_len": 96, "classes": 3}


class SeriesEncoder(nn.Module):
    def __init__(self, channels, classes, seq_len=128):
        super().__init__()
        self.conv = nn.Conv1d(channels, 8, 5, padding=2)
        self.pool = nn.MaxPool1d(2)
        self.flat = 8 * (seq_len // 2)
        self.head = nn.Linear(self.flat, classes)

    def forward(self, series):
        h = self.pool(torch.relu(self.conv(series)))
        return self.head(h.reshape(h.shape[0], self.flat))


series = torch.randn(20, CONFIG["channels"], CONFIG["seq_len"])
model = SeriesEncoder(CONFIG["channels"], CONFIG["classes"])
logits = model(series)
'''

ARGPARSE_SEQUENTIAL = '''\
import argparse
import torch
import torch.nn as nn

parser = argparse.ArgumentParser()
parser.add_argument("--side", type=int, default=20)
parser.add_argument("--classes", type=int, default=5)
parser.add_argument("--epochs", type=int, default=3)
args = parser.parse_args([])


class PatchNet(nn.Module):
    def __init__(self, classes, side=16, in_channels=1):
        super().__init__()
        self.side = side
        self.features = nn.Sequential(nn.Conv2d(in_channels, 6, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Sequential(nn.Linear(6 * (side // 2) * (side // 2), 32), nn.ReLU(), nn.Linear(32, classes))

    def forward(self, x):
        x = self.features(x)
        x = x.view(x.size(0), 6 * (self.side // 2) ** 2)
        return self.classifier(x)


def main():
    images = torch.rand(12, 1, args.side, args.side)
    model = PatchNet(args.classes)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(args.epochs):
        loss = model(images).logsumexp(dim=1).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model(images)


logits = main()
'''


def test_a_config_sequence_length_is_passed_where_the_model_is_built(sandbox):
    patched = patch(recipe, CONFIG_SEQUENCE, sandbox.facts(CONFIG_SEQUENCE, "RuntimeError"))
    assert 'model = SeriesEncoder(CONFIG["channels"], CONFIG["classes"], seq_len=CONFIG["seq_len"])\n' in patched
    assert "self.flat = 8 * (seq_len // 2)\n" in patched  # the model's own arithmetic stays
    sandbox.assert_clean(patched + "assert logits.shape == (20, 3) and model.head.in_features == 8 * 48\n")


def test_an_argparse_size_reaches_a_layer_inside_sequential(sandbox):
    patched = patch(recipe, ARGPARSE_SEQUENTIAL, sandbox.facts(ARGPARSE_SEQUENTIAL, "RuntimeError"))
    assert "    model = PatchNet(args.classes, side=args.side)\n" in patched
    sandbox.assert_clean(patched + "assert logits.shape == (12, 5)\n")


HELPER_BUILT = '''\
import torch
import torch.nn as nn

CONFIG = {"n_mels": 20, "classes": 4, "frames": 64, "hop": 10}


class AudioNet(nn.Module):
    def __init__(self, n_mels, classes, frames=100):
        super().__init__()
        self.conv = nn.Conv1d(n_mels, 8, 3, padding=1)
        self.pool = nn.MaxPool1d(4)
        self.width = 8 * (frames // 4)
        self.fc = nn.Linear(self.width, classes)

    def forward(self, spec):
        h = self.pool(torch.relu(self.conv(spec)))
        return self.fc(h.reshape(len(h), self.width))


def build_model(cfg):
    return AudioNet(cfg["n_mels"], cfg["classes"])


torch.manual_seed(2)
model = build_model(CONFIG)
scores = model(torch.randn(5, CONFIG["n_mels"], CONFIG["frames"]))
'''


def test_a_helper_gets_the_config_entry_it_did_not_read(sandbox):
    patched = patch(recipe, HELPER_BUILT, sandbox.facts(HELPER_BUILT, "RuntimeError"))
    assert '    return AudioNet(cfg["n_mels"], cfg["classes"], frames=cfg["frames"])\n' in patched
    sandbox.assert_clean(patched + "assert scores.shape == (5, 4) and model.fc.in_features == 128\n")


def test_a_helper_handed_the_parsed_options_gets_the_one_it_did_not_read(sandbox):
    handed = ARGPARSE_SEQUENTIAL.replace("def main():", "def build(opts):\n    return PatchNet(opts.classes)\n\n\ndef main():")
    handed = handed.replace("    model = PatchNet(args.classes)\n", "    model = build(args)\n")
    patched = patch(recipe, handed, sandbox.facts(handed, "RuntimeError"))
    assert "    return PatchNet(opts.classes, side=opts.side)\n" in patched
    sandbox.assert_clean(patched + "assert logits.shape == (12, 5)\n")


HARD_CODED_BATCH = '''\
import argparse
import torch
import torch.nn as nn

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=4)
args = parser.parse_args([])


class Net(nn.Module):
    def __init__(self, batch=32):
        super().__init__()
        self.batch = batch
        self.fc = nn.Linear(12, 2)

    def forward(self, x):
        return self.fc(x.view(self.batch, 12))


def main():
    model = Net()
    for _ in range(args.epochs):
        model(torch.randn(4, 3, 4))


main()
'''


def test_a_parameter_that_sizes_no_layer_is_left_alone(sandbox):
    """`epochs` (4) would fit the short batch's count: a coincidence, not the data's size."""
    assert not applies(recipe, HARD_CODED_BATCH, sandbox.facts(HARD_CODED_BATCH, "RuntimeError"))


TWO_FITTING_SIZES = ARGPARSE_SEQUENTIAL.replace(
    'parser.add_argument("--epochs", type=int, default=3)',
    'parser.add_argument("--epochs", type=int, default=3)\nparser.add_argument("--crop", type=int, default=20)',
).replace("    model = PatchNet(args.classes)", "    model = PatchNet(args.classes)\n    print(args.crop)")


def test_two_script_values_that_both_fit_are_no_answer(sandbox):
    assert not applies(recipe, TWO_FITTING_SIZES, sandbox.facts(TWO_FITTING_SIZES, "RuntimeError"))


def test_data_whose_size_no_script_value_gives_is_left_alone(sandbox):
    odd_data = CONFIG_SEQUENCE.replace('CONFIG["seq_len"])\nmodel', '90)\nmodel')
    assert not applies(recipe, odd_data, sandbox.facts(odd_data, "RuntimeError"))


def test_a_reshape_no_parameter_reaches_is_left_alone():
    code = ("import torch.nn as nn\nclass M(nn.Module):\n    def __init__(self, n, size=8):\n"
            "        super().__init__()\n        self.fc = nn.Linear(size, n)\n"
            "    def forward(self, x):\n        return self.fc(x.view(x.size(0), -1))\n"
            "SIZE = 6\nm = M(2)\nm(torch.randn(3, SIZE))\n")
    facts = Facts("RuntimeError", "shape '[3, -1]' is invalid for input of size 18", line=7, lines=(10, 7))
    assert not applies(recipe, code, facts)
