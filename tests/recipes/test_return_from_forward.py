from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import return_from_forward as recipe

SUBMODULE_WITHOUT_RETURN = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)


class ResidualBlock(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.fc = nn.Linear(dim, dim)

    def forward(self, x):
        out = x + torch.relu(self.fc(x))


class Net(nn.Module):
    def __init__(self, dim=12, classes=3):
        super().__init__()
        self.blocks = nn.Sequential(ResidualBlock(dim), ResidualBlock(dim))
        self.head = nn.Linear(dim, classes)

    def forward(self, x):
        return self.head(self.blocks(x))


model = Net()
x, y = torch.randn(6, 12), torch.randint(0, 3, (6,))
logits = model(x)
loss = nn.functional.cross_entropy(logits, y)
loss.backward()

# what was meant: each block returns x + relu(fc(x))
block = model.blocks[0]
assert torch.allclose(block(x), x + torch.relu(block.fc(x))) and logits.shape == (6, 3)
'''

BARE_CALL = '''\
import torch
from torch import nn


class Head(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(4, 2)

    def forward(self, features):
        features = features.flatten(1)
        self.proj(features)


out = Head()(torch.randn(3, 2, 2))
print(out.shape)
'''


def test_returns_the_value_the_submodule_computed(sandbox):
    patched = patch(recipe, SUBMODULE_WITHOUT_RETURN, sandbox.facts(SUBMODULE_WITHOUT_RETURN, "TypeError"))
    assert "        out = x + torch.relu(self.fc(x))\n        return out\n" in patched
    assert "        return self.head(self.blocks(x))\n" in patched
    sandbox.assert_clean(patched)


def test_returns_a_bare_final_call(sandbox):
    message = "argument 'input' (position 1) must be Tensor, not NoneType"
    patched = patch(recipe, BARE_CALL, Facts("TypeError", message))
    assert "        features = features.flatten(1)\n        return self.proj(features)\n" in patched
    sandbox.assert_clean(patched)


def test_no_match_when_some_path_returns():
    source = ('import torch.nn as nn\nclass M(nn.Module):\n    def forward(self, x):\n        if self.training:\n'
              '            return x * 2\n        x = x + 1\n')
    message = "argument 'input' (position 1) must be Tensor, not NoneType"
    assert not applies(recipe, source, Facts("TypeError", message))
