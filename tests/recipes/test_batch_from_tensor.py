from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import batch_from_tensor as recipe

CIFAR_ROWS = '''\
import argparse
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

parser = argparse.ArgumentParser()
parser.add_argument("--batch-size", type=int, default=32)
args = parser.parse_args([])

rows = torch.rand(100, 3072)                 # 100 flat CIFAR images
labels = torch.randint(0, 10, (100,))
loader = DataLoader(TensorDataset(rows, labels), batch_size=args.batch_size)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 10))

    def forward(self, flat):
        images = flat.view(args.batch_size, 3, 32, 32)
        return self.head(self.conv(images))


model = Net()
seen = 0
for x, y in loader:
    loss = nn.functional.cross_entropy(model(x), y)
    loss.backward()
    seen += len(y)
'''

LENET = '''\
import torch
import torch.nn as nn
import torch.nn.functional as F


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 16, 5)
        self.fc = nn.LazyLinear(10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv(x)), 2)
        x = x.view(-1, 16 * 5 * 5)          # the CIFAR size; MNIST gives 16 * 12 * 12
        return self.fc(x)


logits = LeNet()(torch.randn(8, 1, 28, 28))
'''


def test_the_batch_size_comes_from_the_tensor(sandbox):
    patched = patch(recipe, CIFAR_ROWS, sandbox.facts(CIFAR_ROWS, "RuntimeError"))
    assert "images = flat.view(flat.size(0), 3, 32, 32)" in patched
    sandbox.assert_clean(patched + "assert seen == 100\n")


def test_a_minus_one_batch_keeps_the_batch_and_flattens_the_rest(sandbox):
    patched = patch(recipe, LENET, sandbox.facts(LENET, "RuntimeError"))
    assert "x = x.view(x.size(0), -1)          # the CIFAR size" in patched
    sandbox.assert_clean(patched + "assert logits.shape == (8, 10)\n")


def test_sizes_read_from_the_tensor_are_left_alone():
    facts = Facts("RuntimeError", "shape '[4, 3, 32, 32]' is invalid for input of size 6144", line=2)
    assert not applies(recipe, "import torch\ny = x.view(x.size(0), 3, 32, 32)\n", facts)
    assert applies(recipe, "import torch\ny = x.view(4, 3, 32, 32)\n", facts)
    assert not applies(recipe, "import torch\ny = x.view(4, 3, 32, 32)\n",
                       Facts("RuntimeError", "shape '[4, 3, 32, 32]' is invalid for input of size 6000", line=2))


COMPUTED_RESHAPE = '''\
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

config = {"batch_size": 20, "seq_len": 12, "hidden": 8}
seqs = torch.randn(45, config["seq_len"], 4)
targets = torch.randn(45, config["seq_len"], 1)


class Tagger(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.rnn = nn.GRU(4, cfg["hidden"], batch_first=True)
        self.out = nn.Linear(cfg["hidden"], 1)

    def forward(self, x):
        h, _ = self.rnn(x)
        flat = h.contiguous().view(-1, self.cfg["hidden"])
        return self.out(flat).view(self.cfg["batch_size"], self.cfg["seq_len"], 1)


model = Tagger(config)
shapes = []
for xb, yb in DataLoader(TensorDataset(seqs, targets), batch_size=config["batch_size"]):
    pred = model(xb)
    nn.functional.mse_loss(pred, yb)
    shapes.append(tuple(pred.shape))
'''


def test_a_computed_value_takes_its_batch_from_minus_one(sandbox):
    patched = patch(recipe, COMPUTED_RESHAPE, sandbox.facts(COMPUTED_RESHAPE, "RuntimeError"))
    assert 'return self.out(flat).view(-1, self.cfg["seq_len"], 1)' in patched
    sandbox.assert_clean(patched + "assert shapes == [(20, 12, 1), (20, 12, 1), (5, 12, 1)], shapes\n")


SAME_BATCH_TWICE = '''\
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


class Discriminator(nn.Module):
    def __init__(self, batch_size):
        super().__init__()
        self.batch_size = batch_size
        self.conv = nn.Conv2d(2, 4, 3, padding=1)
        self.head = nn.Linear(4 * 8 * 8, 1)

    def forward(self, flat):
        img = flat.view(self.batch_size, 2, 8, 8)
        h = self.conv(img).relu()
        return self.head(h.view(self.batch_size, -1)).squeeze(1)


D = Discriminator(4)
scores = [D(x) for (x,) in DataLoader(TensorDataset(torch.randn(14, 128)), batch_size=4)]
'''


def test_every_reshape_that_hard_codes_the_batch_reads_it_from_its_tensor(sandbox):
    patched = patch(recipe, SAME_BATCH_TWICE, sandbox.facts(SAME_BATCH_TWICE, "RuntimeError"))
    assert "img = flat.view(flat.size(0), 2, 8, 8)" in patched
    assert "return self.head(h.view(h.size(0), -1)).squeeze(1)" in patched
    sandbox.assert_clean(patched + "assert [tuple(s.shape) for s in scores] == [(4,), (4,), (4,), (2,)]\n")
