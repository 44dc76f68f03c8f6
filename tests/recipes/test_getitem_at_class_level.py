from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import getitem_at_class_level as recipe

NESTED = '''\
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


class Ratings(Dataset):
    """(user, item) pairs with a rating, for a factorisation model."""

    def __init__(self, users, items, ratings):
        self.users, self.items, self.ratings = users, items, ratings

        def __getitem__(self, idx):
            return self.users[idx], self.items[idx], self.ratings[idx]

    def __len__(self):
        return len(self.ratings)


torch.manual_seed(0)
users, items = torch.randint(0, 10, (60,)), torch.randint(0, 15, (60,))
ratings = torch.rand(60) * 5
user_emb, item_emb = nn.Embedding(10, 4), nn.Embedding(15, 4)
optimizer = torch.optim.SGD([*user_emb.parameters(), *item_emb.parameters()], lr=0.1)
count = 0
for u, i, r in DataLoader(Ratings(users, items, ratings), batch_size=16):
    loss = ((user_emb(u) * item_emb(i)).sum(1) - r).pow(2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    count += len(r)
'''

MODULE_LEVEL = '''\
import numpy as np
import torch
from torch.utils.data import Dataset


class Patches(Dataset):
    def __init__(self, image, size=4):
        self.image, self.size = image, size

    def __len__(self):
        return (self.image.shape[0] // self.size) ** 2


def __getitem__(self, idx):
    per_row = self.image.shape[0] // self.size
    row, col = divmod(idx, per_row)
    s = self.size
    return torch.from_numpy(self.image[row * s:(row + 1) * s, col * s:(col + 1) * s].copy())


patches = Patches(np.arange(64.0).reshape(8, 8))
stack = torch.stack([patches[i] for i in range(len(patches))])
'''


def test_a_getitem_nested_in_init_becomes_a_method(sandbox):
    patched = patch(recipe, NESTED, sandbox.facts(NESTED, "NotImplementedError"))
    assert ("        self.users, self.items, self.ratings = users, items, ratings\n\n"
            "    def __getitem__(self, idx):\n        return self.users[idx], self.items[idx], self.ratings[idx]\n\n"
            "    def __len__(self):\n") in patched
    sandbox.assert_clean(patched + "assert count == 60\nds = Ratings(users, items, ratings)\n"
                         "assert ds[7] == (users[7], items[7], ratings[7])\n")


def test_a_module_level_getitem_moves_into_the_class(sandbox):
    patched = patch(recipe, MODULE_LEVEL, sandbox.facts(MODULE_LEVEL, "NotImplementedError"))
    assert "\n    def __getitem__(self, idx):\n        per_row = self.image.shape[0] // self.size\n" in patched
    assert "\ndef __getitem__" not in patched
    sandbox.assert_clean(patched + "assert stack.shape == (4, 4, 4)\n"
                         "assert stack[3, 0, 0].item() == 36.0 and stack[1, 3, 3].item() == 31.0\n")


def test_a_dataset_with_its_method_or_an_unrelated_helper_is_left_alone():
    facts = Facts("NotImplementedError", "Subclasses of Dataset should implement __getitem__.")
    code = ("from torch.utils.data import Dataset\nclass A(Dataset):\n    def __getitem__(self, i):\n        return i\n"
            "class B(Dataset):\n    def __init__(self):\n        def helper(self, i):\n            return i\n"
            "        self.h = helper\n")
    assert not applies(recipe, code, facts)
