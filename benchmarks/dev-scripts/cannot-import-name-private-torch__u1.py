import argparse
import torch
from torch._utils import _accumulate
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader, Subset


def split_indices(n, lengths, seed):
    """Deterministic split of range(n) into consecutive chunks of the given lengths."""
    if sum(lengths) != n:
        raise ValueError("lengths must sum to the dataset size")
    g = torch.Generator().manual_seed(seed)
    perm = torch.randperm(n, generator=g).tolist()
    return [perm[end - length:end] for end, length in zip(_accumulate(lengths), lengths)]


class PolyDataset(Dataset):
    def __init__(self, n=300):
        g = torch.Generator().manual_seed(1)
        self.x = torch.rand(n, 1, generator=g) * 4 - 2
        self.y = 0.5 * self.x ** 3 - self.x + 0.05 * torch.randn(n, 1, generator=g)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return self.x[i], self.y[i]


def parse_args(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=1e-2)
    p.add_argument("--seed", type=int, default=0)
    return p.parse_args(argv)


def main():
    args = parse_args([])
    torch.manual_seed(args.seed)
    ds = PolyDataset()
    train_idx, val_idx = split_indices(len(ds), [240, 60], args.seed)
    train_loader = DataLoader(Subset(ds, train_idx), batch_size=args.batch_size, shuffle=True)
    val_loader = DataLoader(Subset(ds, val_idx), batch_size=60)

    model = nn.Sequential(nn.Linear(1, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 1))
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    loss_fn = nn.MSELoss()
    for epoch in range(args.epochs):
        for xb, yb in train_loader:
            loss = loss_fn(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()

    with torch.no_grad():
        xv, yv = next(iter(val_loader))
        val_loss = loss_fn(model(xv), yv).item()
    print(f"val mse {val_loss:.4f}")
    assert len(set(train_idx) & set(val_idx)) == 0
    assert len(train_idx) == 240 and len(val_idx) == 60
    assert val_loss < 0.2, val_loss
    print(f"RESULT val_mse={val_loss:.4f}")


if __name__ == "__main__":
    main()
