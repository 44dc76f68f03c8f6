"""Split a dataset into train/val/test by fractions and train a tiny regressor."""
import numpy as np
import torch
import torch.nn as nn
from torch._utils import _accumulate
from torch.utils.data import DataLoader, Subset, TensorDataset


def fraction_split(dataset, fractions, seed=0):
    n = len(dataset)
    lengths = [int(f * n) for f in fractions]
    lengths[-1] = n - sum(lengths[:-1])
    g = torch.Generator().manual_seed(seed)
    perm = torch.randperm(n, generator=g).tolist()
    return [
        Subset(dataset, perm[offset - length: offset])
        for offset, length in zip(_accumulate(lengths), lengths)
    ]


def build_data(n=200, d=6, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d)).astype(np.float32)
    w = rng.standard_normal((d, 1)).astype(np.float32)
    y = x @ w + 0.05 * rng.standard_normal((n, 1)).astype(np.float32)
    return TensorDataset(torch.from_numpy(x), torch.from_numpy(y))


def evaluate(model, loader):
    model.eval()
    se, count = 0.0, 0
    with torch.no_grad():
        for xb, yb in loader:
            se += ((model(xb) - yb) ** 2).sum().item()
            count += len(xb)
    return se / count


def main():
    torch.manual_seed(0)
    ds = build_data()
    train_ds, val_ds, test_ds = fraction_split(ds, [0.7, 0.15, 0.15])
    assert len(train_ds) + len(val_ds) + len(test_ds) == len(ds)
    assert not set(train_ds.indices) & set(test_ds.indices)

    model = nn.Sequential(nn.Linear(6, 32), nn.Tanh(), nn.Linear(32, 1))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    train_loader = DataLoader(train_ds, batch_size=20, shuffle=True)
    val_loader = DataLoader(val_ds, batch_size=64)
    test_loader = DataLoader(test_ds, batch_size=64)

    best = float("inf")
    for epoch in range(30):
        model.train()
        for xb, yb in train_loader:
            opt.zero_grad()
            loss = nn.functional.mse_loss(model(xb), yb)
            loss.backward()
            opt.step()
        best = min(best, evaluate(model, val_loader))
    test_mse = evaluate(model, test_loader)
    assert np.isfinite(test_mse) and test_mse < 1.0, test_mse
    print(f"RESULT sizes={len(train_ds)},{len(val_ds)},{len(test_ds)} val={best:.4f} test={test_mse:.4f}")


if __name__ == "__main__":
    main()
