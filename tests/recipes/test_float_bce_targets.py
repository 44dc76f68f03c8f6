from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import float_bce_targets as recipe

MULTI_LABEL = '''\
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


class Tags(Dataset):
    """Multi-label samples: several of 5 tags may be set at once."""

    def __init__(self, n=40):
        torch.manual_seed(0)
        self.x = torch.randn(n, 10)
        self.tags = (self.x[:, :5] > 0).long()

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return self.x[i], self.tags[i]


model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 5), nn.Sigmoid())
criterion = nn.BCELoss(reduction="mean")
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for epoch in range(30):
    for xb, yb in DataLoader(Tags(), batch_size=8, shuffle=True):
        loss = criterion(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
'''

# The targets are the same 0/1 tags, so the model learns them.
LEARNS_THE_TAGS = '''
data = Tags()
accuracy = ((model(data.x) > 0.5).long() == data.tags).float().mean().item()
assert accuracy > 0.9, accuracy
'''


def test_converts_the_dataset_labels_at_the_loss_call(sandbox):
    patched = patch(recipe, MULTI_LABEL, sandbox.facts(MULTI_LABEL, "RuntimeError"))
    assert "        loss = criterion(model(xb), yb.float())\n" in patched
    sandbox.assert_clean(patched + LEARNS_THE_TAGS)


def test_replaces_an_integer_conversion(sandbox):
    broken = ("import torch\nimport torch.nn.functional as F\np = torch.rand(6, requires_grad=True)\n"
              "y = torch.tensor([1, 0, 1, 1, 0, 0])\nloss = F.binary_cross_entropy(p, target=(y > 0).long())\n"
              "loss.backward()\nassert torch.allclose(loss, -(y * p.log() + (1 - y) * (1 - p).log()).mean())\n")
    patched = patch(recipe, broken, sandbox.facts(broken, "RuntimeError"))
    assert "F.binary_cross_entropy(p, target=(y > 0).float())" in patched
    sandbox.assert_clean(patched)


def test_no_match_without_a_binary_loss():
    facts = Facts("RuntimeError", "Found dtype Long but expected Float")
    assert not applies(recipe, "import torch.nn.functional as F\nloss = F.mse_loss(a, b)\n", facts)
