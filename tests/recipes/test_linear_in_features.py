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
