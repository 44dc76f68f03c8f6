"""Deterministic train/val/test split by fractions (helper kept from an older project)."""
import torch
from torch._utils import _accumulate
from torch.utils.data import Dataset, Subset, DataLoader


class Squares(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        x = torch.tensor([float(i)])
        return x, x ** 2


def split_by_fraction(dataset, fractions, seed=0):
    assert abs(sum(fractions) - 1.0) < 1e-6
    n = len(dataset)
    lengths = [int(f * n) for f in fractions]
    lengths[-1] = n - sum(lengths[:-1])
    g = torch.Generator().manual_seed(seed)
    perm = torch.randperm(n, generator=g).tolist()
    return [Subset(dataset, perm[end - length:end])
            for end, length in zip(_accumulate(lengths), lengths)]


ds = Squares(100)
train, val, test = split_by_fraction(ds, [0.7, 0.2, 0.1])
print("sizes:", len(train), len(val), len(test))

model = torch.nn.Sequential(torch.nn.Linear(1, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1))
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
torch.manual_seed(0)
for epoch in range(3):
    for x, y in DataLoader(train, batch_size=10, shuffle=True):
        loss = torch.nn.functional.mse_loss(model(x / 100), y / 1e4)
        opt.zero_grad()
        loss.backward()
        opt.step()
    print(f"epoch {epoch} loss {loss.item():.5f}")
