from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import detach_clone_copy as recipe

DATASET = '''\
import torch
from torch.utils.data import DataLoader, Dataset


class Regression(Dataset):
    def __init__(self, n=16):
        self.x = torch.randn(n, 4)
        self.y = self.x.sum(dim=1, keepdim=True)
        self.names = [f"row{i}" for i in range(n)]

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return torch.tensor(self.x[i], dtype=torch.float64), torch.tensor(self.y[i]), torch.tensor([i])


torch.manual_seed(0)
data = Regression()
model = torch.nn.Linear(4, 1).double()
for xb, yb, ids in DataLoader(data, batch_size=8):
    loss = torch.nn.functional.mse_loss(model(xb), yb.double())
    loss.backward()
sample_x, sample_y, _ = data[3]
sample_y += 1   # a copy: the dataset's own storage must not change
'''

# The same copies as before: float64 rows, and storage the dataset does not share.
SAME_COPIES = '''
assert sample_x.dtype == torch.float64 and torch.equal(sample_x, data.x[3].double())
assert torch.equal(data.y[3], data.x[3].sum(dim=0, keepdim=True))
'''


def test_a_tensor_copy_is_spelled_detach_clone(sandbox):
    facts = sandbox.warning_facts(DATASET, "UserWarning")
    patched = patch(recipe, DATASET, facts)
    assert ("        return self.x[i].detach().clone().to(dtype=torch.float64), self.y[i].detach().clone(), "
            "torch.tensor([i])\n") in patched
    sandbox.assert_clean(patched + SAME_COPIES, without_warning="To copy construct from a tensor")


def test_values_not_known_to_be_tensors_are_left_alone():
    facts = Facts("UserWarning", "To copy construct from a tensor, it is recommended to use "
                                 "sourceTensor.detach().clone() or sourceTensor.detach().clone().requires_grad_(True), "
                                 "rather than torch.tensor(sourceTensor).")
    assert not applies(recipe, "rows = load_rows()\nx = torch.tensor(rows)\n", facts)
    assert not applies(recipe, "ids = torch.randn(3).tolist()\nx = torch.tensor(ids)\n", facts)
    assert applies(recipe, "h = torch.randn(3)\nx = torch.tensor(h.mean(0))\n", facts)


def copied_cleanly(sandbox, source: str, checks: str) -> str:
    """The recipe's patch for the warning this code prints, once the patched code with `checks`
    appended has run without it."""
    patched = patch(recipe, source, sandbox.warning_facts(source, "UserWarning"))
    sandbox.assert_clean(patched + checks, without_warning="To copy construct from a tensor")
    return patched


DATASET_GIVEN_ITS_TENSORS = '''\
import torch
from torch.utils.data import DataLoader, Dataset


class Tabular(Dataset):
    def __init__(self, features, labels):
        self.features = features
        self.labels = labels

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, idx):
        row = torch.tensor(self.features[idx], dtype=torch.float32)
        label = torch.tensor(self.labels[idx], dtype=torch.long)
        return row, label


torch.manual_seed(0)
X = torch.randn(12, 3).double()
Y = (X[:, 0] > 0).float()
data = Tabular(X, Y)
for rows, labels in DataLoader(data, batch_size=4):
    print(rows.dtype, labels.dtype)
row, label = data[5]
row += 1   # a copy: the dataset's own storage must not change
'''

# Float32 rows and long labels as asked, copied from storage that stays as it was.
CONVERTED_COPIES = '''
assert row.dtype == torch.float32 and label.dtype == torch.long
assert torch.equal(row - 1, X[5].float()) and label.item() == int(Y[5])
'''


def test_tensors_handed_to_the_dataset_constructor_are_copied_with_detach_clone(sandbox):
    patched = copied_cleanly(sandbox, DATASET_GIVEN_ITS_TENSORS, CONVERTED_COPIES)
    assert "        row = self.features[idx].detach().clone().to(dtype=torch.float32)\n" in patched
    assert "        label = self.labels[idx].detach().clone().to(dtype=torch.long)\n" in patched


TARGET_NETWORK_SNAPSHOT = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)
online = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2))
target = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2))
frozen = {key: torch.tensor(weight) for key, weight in online.state_dict().items()}
target.load_state_dict(frozen)
before = online[0].weight.detach().clone()
with torch.no_grad():
    online[0].weight.add_(1.0)
'''

# The snapshot holds the weights as they were, not a view that follows the online network.
FROZEN_SNAPSHOT = '''
assert torch.equal(target[0].weight, before) and not torch.equal(target[0].weight, online[0].weight)
assert not frozen["0.weight"].requires_grad
'''


def test_the_copy_on_the_warned_line_is_rewritten_when_its_argument_is_a_loop_variable(sandbox):
    patched = copied_cleanly(sandbox, TARGET_NETWORK_SNAPSHOT, FROZEN_SNAPSHOT)
    assert "frozen = {key: weight.detach().clone() for key, weight in online.state_dict().items()}\n" in patched


NOTEBOOK_ARITHMETIC = '''\
import torch


def load_split(n):
    gen = torch.Generator().manual_seed(0)
    return torch.randn(n, 2, generator=gen), torch.randint(0, 2, (n,), generator=gen)


feats, labels = load_split(10)
scaled = torch.tensor(2 * feats - 1, dtype=torch.float64)
hits = torch.tensor(feats.argmax(dim=1) == labels, dtype=torch.float32)
accuracy = hits.mean().item()
'''

SAME_VALUES = '''
assert scaled.dtype == torch.float64 and torch.equal(scaled, (2 * feats - 1).double())
assert accuracy == (feats.argmax(dim=1) == labels).float().mean().item()
'''


def test_arithmetic_and_comparisons_on_tensors_a_helper_returns_are_tensors(sandbox):
    patched = copied_cleanly(sandbox, NOTEBOOK_ARITHMETIC, SAME_VALUES)
    assert "scaled = (2 * feats - 1).detach().clone().to(dtype=torch.float64)\n" in patched
    assert "hits = (feats.argmax(dim=1) == labels).detach().clone().to(dtype=torch.float32)\n" in patched


def test_a_helper_also_given_lists_is_left_alone(sandbox):
    source = ("import torch\n\n\ndef to_tensor(v):\n    return torch.tensor(v, dtype=torch.float32)\n\n\n"
              "a = to_tensor(torch.ones(3))\nb = to_tensor([1.0, 2.0])\n")
    assert not applies(recipe, source, sandbox.warning_facts(source, "UserWarning"))


NEW_LEAF_FROM_AN_INIT = '''\
import torch

torch.manual_seed(0)
init = torch.randn(3, 1) * 0.1
w = torch.tensor(init, dtype=torch.float64, requires_grad=True)
x = torch.randn(8, 3, dtype=torch.float64)
loss = (x @ w).pow(2).mean()
loss.backward()
'''

# A float64 leaf that trains, copied from an init that stays as it was.
TRAINABLE_LEAF = '''
assert w.is_leaf and w.requires_grad and w.dtype == torch.float64 and w.grad is not None
assert torch.equal(w.detach(), init.double()) and not init.requires_grad
'''


def test_a_copy_asked_to_require_grad_becomes_the_converted_leaf(sandbox):
    patched = copied_cleanly(sandbox, NEW_LEAF_FROM_AN_INIT, TRAINABLE_LEAF)
    assert "w = init.detach().clone().to(dtype=torch.float64).requires_grad_(True)\n" in patched
