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
    assert not applies(recipe, "h = torch.randn(3)\nx = torch.tensor(h.mean(0), requires_grad=True)\n", facts)
    assert applies(recipe, "h = torch.randn(3)\nx = torch.tensor(h.mean(0))\n", facts)
