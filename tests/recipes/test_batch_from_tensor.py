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
