from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import linear_in_features as recipe

CIFAR_NET = '''\
import torch
import torch.nn as nn
import torch.nn.functional as F

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 4 * 4, 120)   # copied from the MNIST version
        self.fc2 = nn.Linear(120, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        return self.fc2(x)

net = Net()
loss = F.cross_entropy(net(torch.randn(4, 3, 32, 32)), torch.tensor([1, 2, 3, 4]))
loss.backward()
'''

SEQUENTIAL = '''\
import torch
from torch import nn

IN_DIM = 30
mlp = nn.Sequential(nn.Linear(IN_DIM, 16), nn.ReLU(), nn.Linear(16, 2))
print(mlp(torch.randn(10, 34)).shape)
'''


def test_rewrites_the_called_layer_from_the_message(sandbox):
    facts = sandbox.facts(CIFAR_NET, "RuntimeError")
    patched = patch(recipe, CIFAR_NET, facts)
    assert "self.fc1 = nn.Linear(400, 120)   # copied from the MNIST version" in patched
    sandbox.assert_clean(patched)


def test_finds_a_layer_inside_sequential_by_its_evaluated_shape(sandbox):
    facts = sandbox.facts(SEQUENTIAL, "RuntimeError")
    patched = patch(recipe, SEQUENTIAL, facts)
    assert "nn.Sequential(nn.Linear(34, 16), nn.ReLU(), nn.Linear(16, 2))" in patched
    sandbox.assert_clean(patched)


def test_old_wording_is_understood():
    facts = Facts("RuntimeError", "size mismatch, m1: [10 x 34], m2: [30 x 16] at /pytorch/aten/src/TH/THMath.c:41")
    assert applies(recipe, SEQUENTIAL, facts)
    assert "nn.Linear(34, 16)" in patch(recipe, SEQUENTIAL, facts)


ARGPARSE_MLP = '''\
import argparse
import torch
from torch import nn

parser = argparse.ArgumentParser()
parser.add_argument("--in-dim", type=int, default=20)
parser.add_argument("--hidden", type=int, default=32)
args = parser.parse_args([])

X = torch.randn(64, 24)
y = torch.randn(64, 1)

net = nn.Sequential(
    nn.Linear(args.in_dim, args.hidden),
    nn.ReLU(),
    nn.Linear(args.hidden, 1),
)
opt = torch.optim.SGD(net.parameters(), lr=0.01)
for step in range(3):
    opt.zero_grad()
    loss = nn.functional.mse_loss(net(X), y)
    loss.backward()
    opt.step()
'''

CONFIG_CLASSIFIER = '''\
import torch
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader

CONFIG = {"features": 10, "hidden": 16, "classes": 3}

class Tabular(Dataset):
    def __init__(self, n):
        self.x = torch.randn(n, 12)
        self.y = torch.randint(0, 3, (n,))
    def __len__(self):
        return len(self.x)
    def __getitem__(self, i):
        return self.x[i], self.y[i]

class Classifier(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(cfg["features"], cfg["hidden"]), nn.Tanh())
        self.head = nn.Linear(cfg["hidden"], cfg["classes"])
    def forward(self, x):
        return self.head(self.encoder(x))

clf = Classifier(CONFIG)
loader = DataLoader(Tabular(40), batch_size=8)
crit = nn.CrossEntropyLoss()
for xb, yb in loader:
    out = clf(xb)
    loss = crit(out, yb)
    loss.backward()
'''

KEYWORD_CONSTRUCTOR = '''\
import torch
from torch.nn import Linear, Module, ReLU


class Regressor(Module):
    def __init__(self, in_dim, hidden=32):
        super().__init__()
        self.inp = Linear(in_dim, hidden)
        self.act = ReLU()
        self.out = Linear(hidden, 1)

    def forward(self, x):
        h = self.act(self.inp(x))
        return self.out(h)


def predict(model, rows):
    with torch.no_grad():
        return model(rows)


model = Regressor(in_dim=7, hidden=16)
features = torch.randn(32, 9)
preds = predict(model, features)
'''

SIZES_IN_A_LIST = '''\
import torch
import torch.nn as nn

class Encoder(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:])])
    def forward(self, x):
        for layer in self.layers:
            x = torch.relu(layer(x))
        return x

encoder = Encoder([16, 8, 4])
z = encoder(torch.randn(5, 18))
'''


def test_argparse_sizes_are_read_from_the_defaults(sandbox):
    facts = sandbox.facts(ARGPARSE_MLP, "RuntimeError")
    patched = patch(recipe, ARGPARSE_MLP, facts)
    assert "    nn.Linear(24, args.hidden),\n" in patched
    assert "nn.Linear(args.hidden, 1)" in patched
    sandbox.assert_clean(patched + "assert net(X).shape == (64, 1) and net[0].in_features == X.shape[1]\n")


def test_the_layer_the_config_sizes_describe_is_edited_not_the_one_called_outermost(sandbox):
    facts = sandbox.facts(CONFIG_CLASSIFIER, "RuntimeError")
    patched = patch(recipe, CONFIG_CLASSIFIER, facts)
    assert 'nn.Sequential(nn.Linear(12, cfg["hidden"]), nn.Tanh())' in patched
    assert 'self.head = nn.Linear(cfg["hidden"], cfg["classes"])' in patched
    sandbox.assert_clean(patched + "assert out.shape == (8, 3) and loss.item() > 0\n")


def test_sizes_passed_by_keyword_to_the_model_class(sandbox):
    facts = sandbox.facts(KEYWORD_CONSTRUCTOR, "RuntimeError")
    patched = patch(recipe, KEYWORD_CONSTRUCTOR, facts)
    assert "self.inp = Linear(9, hidden)" in patched and "self.out = Linear(hidden, 1)" in patched
    sandbox.assert_clean(patched + "assert preds.shape == (32, 1)\n")


def test_does_not_guess_a_layer_whose_sizes_it_cannot_tell(sandbox):
    facts = sandbox.facts(SIZES_IN_A_LIST, "RuntimeError")
    assert not applies(recipe, SIZES_IN_A_LIST, facts)


HARD_CODED_BATCH = '''\
import torch
import torch.nn as nn


class Head(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(8 * 16 * 16, 10)

    def forward(self, x):
        x = self.pool(torch.relu(self.conv(x)))
        x = x.view(32, -1)
        return self.fc(x)


head = Head()
loader = [torch.randn(20, 3, 32, 32)]
for batch in loader:
    head(batch)
'''


def test_not_when_a_hard_coded_batch_in_a_view_folded_the_rows(sandbox):
    """x.view(32, -1) on a batch of 20 gives 1280 "features": the view is wrong, not the layer."""
    facts = sandbox.facts(HARD_CODED_BATCH, "RuntimeError")
    assert not applies(recipe, HARD_CODED_BATCH, facts)


BATCH_IN_A_FLATTEN_MODULE = '''\
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

BATCH_SIZE = 16


class Flatten(nn.Module):
    def forward(self, x):
        return x.view(BATCH_SIZE, -1)


net = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), Flatten(), nn.Linear(4 * 26 * 26, 10))
data = TensorDataset(torch.randn(40, 1, 28, 28), torch.randint(0, 10, (40,)))
for images, labels in DataLoader(data, batch_size=BATCH_SIZE):
    loss = nn.functional.cross_entropy(net(images), labels)
    loss.backward()
'''


def test_not_when_the_hard_coded_view_is_in_a_module_the_traceback_does_not_name(sandbox):
    facts = sandbox.facts(BATCH_IN_A_FLATTEN_MODULE, "RuntimeError")
    assert not applies(recipe, BATCH_IN_A_FLATTEN_MODULE, facts)


DOUBLED_HIDDEN = '''\
import torch
import torch.nn as nn


class MLP(nn.Module):
    def __init__(self, in_dim, hidden, n_classes):
        super().__init__()
        self.fc1 = nn.Linear(in_dim, hidden)
        self.fc2 = nn.Linear(hidden * 2, hidden)
        self.fc3 = nn.Linear(hidden, n_classes)

    def forward(self, x):
        return self.fc3(torch.relu(self.fc2(torch.relu(self.fc1(x)))))


net = MLP(20, 64, 5)
logits = net(torch.randn(16, 20))
'''


def test_the_new_in_features_is_spelled_as_the_layer_before_spells_it(sandbox):
    patched = patch(recipe, DOUBLED_HIDDEN, sandbox.facts(DOUBLED_HIDDEN, "RuntimeError"))
    assert "self.fc2 = nn.Linear(hidden, hidden)" in patched
    sandbox.assert_clean(patched + "assert logits.shape == (16, 5) and MLP(3, 8, 2)(torch.randn(4, 3)).shape == (4, 2)\n")


UNFLATTENED_AUDIO = '''\
import torch
import torch.nn as nn


class AudioNet(nn.Module):
    def __init__(self, n_mels=20, n_classes=4):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv1d(n_mels, 32, 3, padding=1), nn.ReLU(), nn.MaxPool1d(2))
        self.fc = nn.Linear(32, n_classes)

    def forward(self, spec):
        h = self.conv(spec)
        return self.fc(h)


scores = AudioNet()(torch.randn(3, 20, 50))
'''


def test_a_head_fed_an_unflattened_map_is_left_to_the_flatten(sandbox):
    assert not applies(recipe, UNFLATTENED_AUDIO, sandbox.facts(UNFLATTENED_AUDIO, "RuntimeError"))
    flattened = UNFLATTENED_AUDIO.replace("        return self.fc(h)", "        h = h.flatten(1)\n        return self.fc(h)")
    patched = patch(recipe, flattened, sandbox.facts(flattened, "RuntimeError"))
    assert "self.fc = nn.Linear(800, n_classes)" in patched
    sandbox.assert_clean(patched + "assert scores.shape == (3, 4)\n")


ARGPARSE_FACTORY = '''\
import argparse
import torch
from torch import nn

def build_model(num_numeric, hidden):
    return nn.Sequential(nn.Linear(num_numeric, hidden), nn.ReLU(), nn.Linear(hidden, 1))

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--num-numeric", type=int, default=6)
    parser.add_argument("--hidden", type=int, default=16)
    args = parser.parse_args([])
    model = build_model(args.num_numeric, args.hidden)
    rows = torch.randn(8, 5)
    print(tuple(model(rows).shape))

main()
'''


def test_a_size_that_comes_from_argparse_through_a_factory_parameter(sandbox):
    """`build_model(args.num_numeric, ...)`: the layer's size is known only by following the
    parameter to the call and the attribute to its argparse default (6, where the rows have 5)."""
    facts = sandbox.facts(ARGPARSE_FACTORY, "RuntimeError")
    patched = patch(recipe, ARGPARSE_FACTORY, facts)
    assert "nn.Linear(5, hidden)" in patched
    result = sandbox.run(patched)
    assert result.status == "ok", result.error.traceback if result.error else result.detail
    assert "(8, 1)" in result.stdout  # one prediction per row, the hidden width as configured
