"""Deterministic train/val/test split helper copied from an old (2019) project."""
import torch
from torch._utils import _accumulate
from torch.utils.data import DataLoader, Subset, TensorDataset

torch.manual_seed(0)


def split_dataset(dataset, lengths, seed=42):
    """Like random_split, but reproducible across runs via its own generator."""
    if sum(lengths) != len(dataset):
        raise ValueError("lengths must sum to the dataset size")
    g = torch.Generator().manual_seed(seed)
    indices = torch.randperm(len(dataset), generator=g).tolist()
    return [Subset(dataset, indices[offset - length:offset])
            for offset, length in zip(_accumulate(lengths), lengths)]


X = torch.randn(100, 4)
y = (X.sum(1) > 0).float()
full = TensorDataset(X, y)
train_ds, val_ds, test_ds = split_dataset(full, [70, 15, 15])

model = torch.nn.Linear(4, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.5)
loss_fn = torch.nn.BCEWithLogitsLoss()
for epoch in range(5):
    for xb, yb in DataLoader(train_ds, batch_size=10, shuffle=True):
        loss = loss_fn(model(xb).squeeze(1), yb)
        opt.zero_grad(); loss.backward(); opt.step()


def accuracy(ds):
    xb, yb = next(iter(DataLoader(ds, batch_size=len(ds))))
    with torch.no_grad():
        return ((model(xb).squeeze(1) > 0).float() == yb).float().mean().item()


print(f"val acc {accuracy(val_ds):.2f} test acc {accuracy(test_ds):.2f}")
