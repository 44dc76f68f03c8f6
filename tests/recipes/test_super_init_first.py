from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import super_init_first as recipe

LATE_SUPER = '''\
import torch
from torch import nn


class ResidualBlock(nn.Module):
    """Two convs with a skip connection."""

    def __init__(self, channels, dropout=0.1):
        self.channels = channels
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)
        self.bn = nn.BatchNorm2d(channels)
        self.drop = nn.Dropout(dropout)
        super(ResidualBlock, self).__init__()

    def forward(self, x):
        return torch.relu(x + self.drop(self.bn(self.conv(x))))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.Sequential(ResidualBlock(8), ResidualBlock(8))
        self.head = nn.Linear(8, 3)

    def forward(self, x):
        return self.head(self.blocks(x).mean((2, 3)))


model = Net()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
x, y = torch.randn(4, 8, 16, 16), torch.randint(0, 3, (4,))
for step in range(2):
    loss = nn.functional.cross_entropy(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
'''

# The layers of both blocks must really be registered: trained, saved in the state dict.
REGISTERED = '''
assert len(model.state_dict()) == 2 * 7 + 2, list(model.state_dict())
assert model.blocks[0].channels == 8
'''

NO_SUPER = '''\
import torch
import torch.nn as nn


class Scaler(nn.Module):
    def __init__(self, factor):
        """Multiplies by a constant factor."""
        self.factor = factor

    def forward(self, x):
        return x * self.factor


scale = Scaler(2.0)
out = scale(torch.ones(3))
assert out.tolist() == [2.0, 2.0, 2.0]
'''


def test_moves_a_late_call_first_with_its_arguments(sandbox):
    patched = patch(recipe, LATE_SUPER, sandbox.facts(LATE_SUPER, "AttributeError"))
    assert ("    def __init__(self, channels, dropout=0.1):\n        super(ResidualBlock, self).__init__()\n"
            "        self.channels = channels\n") in patched
    assert patched.count("__init__()") == 2  # moved, not copied; Net's own call untouched
    assert "        self.drop = nn.Dropout(dropout)\n\n    def forward" in patched
    sandbox.assert_clean(patched + REGISTERED)


def test_inserts_a_missing_call_after_the_docstring(sandbox):
    patched = patch(recipe, NO_SUPER, sandbox.facts(NO_SUPER, "AttributeError"))
    assert ('        """Multiplies by a constant factor."""\n        super().__init__()\n'
            "        self.factor = factor\n") in patched
    sandbox.assert_clean(patched)


def test_no_match_when_every_module_calls_it_first():
    code = ("import torch.nn as nn\nclass A(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
            "        self.fc = nn.Linear(2, 2)\nclass Plain:\n    def __init__(self):\n        self.x = 1\n")
    assert not applies(recipe, code, Facts("AttributeError", "cannot assign module before Module.__init__() call"))


def test_a_call_inside_a_branch_is_left_alone():
    code = ("import torch.nn as nn\nclass A(nn.Module):\n    def __init__(self, ok):\n        if ok:\n"
            "            super().__init__()\n        self.fc = nn.Linear(2, 2)\n")
    assert not applies(recipe, code, Facts("AttributeError", "cannot assign module before Module.__init__() call"))
