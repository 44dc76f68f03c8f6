import argparse

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader, SubsetRandomSampler


class DigitsLike(Dataset):
    def __init__(self, n=300, seed=0):
        rng = np.random.default_rng(seed)
        self.labels = rng.integers(0, 10, size=n)
        protos = rng.standard_normal((10, 64)).astype(np.float32)
        self.images = protos[self.labels] + 0.5 * rng.standard_normal((n, 64)).astype(np.float32)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return torch.from_numpy(self.images[i]).view(1, 8, 8), int(self.labels[i])


def get_loaders(dataset, val_fraction, batch_size, seed):
    indices = np.random.default_rng(seed).permutation(len(dataset))
    n_val = int(len(dataset) * val_fraction)
    val_idx, train_idx = indices[:n_val].tolist(), indices[n_val:].tolist()
    train_loader = DataLoader(dataset, batch_size=batch_size, shuffle=True,
                              sampler=SubsetRandomSampler(train_idx))
    val_loader = DataLoader(dataset, batch_size=batch_size, sampler=SubsetRandomSampler(val_idx))
    return train_loader, val_loader, len(train_idx), len(val_idx)


def evaluate(model, loader):
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for xb, yb in loader:
            correct += (model(xb).argmax(1) == yb).sum().item()
            total += len(yb)
    return correct / total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--val-fraction", type=float, default=0.2)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--epochs", type=int, default=3)
    args = ap.parse_args([])
    torch.manual_seed(0)
    ds = DigitsLike()
    train_loader, val_loader, n_train, n_val = get_loaders(ds, args.val_fraction, args.batch_size, seed=0)
    model = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 64, 10))
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    for epoch in range(args.epochs):
        model.train()
        for xb, yb in train_loader:
            loss = nn.functional.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
        print(f"epoch {epoch}: val acc {evaluate(model, val_loader):.3f}")
    return evaluate(model, val_loader), n_train, n_val


if __name__ == "__main__":
    main()
