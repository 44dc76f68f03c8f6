"""K-fold style deterministic train/val/test split of a tabular dataset (ported from an old repo)."""
from itertools import accumulate

import numpy as np
import torch
from torch.utils.data import Dataset, Subset, DataLoader

torch.set_num_threads(1)

torch.manual_seed(0)
np.random.seed(0)


class WineQuality(Dataset):
    def __init__(self, n=300):
        rng = np.random.default_rng(3)
        self.x = torch.tensor(rng.normal(size=(n, 11)), dtype=torch.float32)
        w = torch.tensor(rng.normal(size=(11,)), dtype=torch.float32)
        self.y = self.x @ w + 5.0

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.x[i], self.y[i]


def split_by_fractions(dataset, fractions, seed=0):
    """Split like random_split but with fractions, keeping the remainder in the last part."""
    n = len(dataset)
    lengths = [int(f * n) for f in fractions[:-1]]
    lengths.append(n - sum(lengths))
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed)).tolist()
    return [Subset(dataset, perm[offset - length:offset])
            for offset, length in zip(accumulate(lengths), lengths)]


ds = WineQuality()
train_ds, val_ds, test_ds = split_by_fractions(ds, [0.7, 0.15, 0.15])
print("split sizes:", len(train_ds), len(val_ds), len(test_ds))

model = torch.nn.Linear(11, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.05)
loader = DataLoader(train_ds, batch_size=30, shuffle=True, generator=torch.Generator().manual_seed(0))
for epoch in range(20):
    for xb, yb in loader:
        loss = torch.nn.functional.mse_loss(model(xb).squeeze(1), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()

with torch.no_grad():
    xs = torch.stack([test_ds[i][0] for i in range(len(test_ds))])
    ys = torch.stack([test_ds[i][1] for i in range(len(test_ds))])
    test_mse = torch.nn.functional.mse_loss(model(xs).squeeze(1), ys).item()

all_idx = set(train_ds.indices) | set(val_ds.indices) | set(test_ds.indices)
assert len(all_idx) == len(ds), "splits overlap or drop samples"
assert (len(train_ds), len(val_ds), len(test_ds)) == (210, 45, 45)
assert test_mse < 0.05, test_mse
print(f"RESULT train={len(train_ds)} val={len(val_ds)} test={len(test_ds)} test_mse={test_mse:.5f}")
