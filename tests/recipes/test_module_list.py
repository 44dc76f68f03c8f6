from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import module_list as recipe

RESNET_ISH = '''\
import torch
from torch import nn

class Block(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.fc = nn.Linear(dim, dim)

    def forward(self, x):
        return x + torch.relu(self.fc(x))

class Tower(nn.Module):
    def __init__(self, dim=8, depth=3):
        super().__init__()
        self.blocks = [Block(dim) for _ in range(depth)]

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        return x

tower = Tower()
opt = torch.optim.Adam(tower.parameters())
tower(torch.randn(2, 8)).sum().backward()
opt.step()
'''


def test_list_comprehension_of_blocks_becomes_modulelist(sandbox):
    patched = patch(recipe, RESNET_ISH, sandbox.facts(RESNET_ISH, "ValueError"))
    assert "self.blocks = nn.ModuleList([Block(dim) for _ in range(depth)])" in patched
    sandbox.assert_clean(patched)


def test_dict_filled_later_becomes_moduledict(sandbox):
    broken = ("import torch\nimport torch.nn as nn\nclass Heads(nn.Module):\n    def __init__(self):\n"
              "        super().__init__()\n        self.heads = {}\n        for name in ('a', 'b'):\n"
              "            self.heads[name] = nn.Linear(4, 1)\n\n"
              "opt = torch.optim.SGD(Heads().parameters(), lr=0.1)\n")
    patched = patch(recipe, broken, sandbox.facts(broken, "ValueError"))
    assert "self.heads = nn.ModuleDict()" in patched
    sandbox.assert_clean(patched)


def test_plain_lists_of_numbers_are_left_alone():
    code = "import torch.nn as nn\nclass M(nn.Module):\n    def __init__(self):\n        self.sizes = [1, 2]\n"
    assert not applies(recipe, code, Facts("ValueError", "optimizer got an empty parameter list"))
