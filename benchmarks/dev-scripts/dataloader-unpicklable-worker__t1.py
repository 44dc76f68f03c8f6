import random

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


class ShardedSignals(Dataset):
    def __init__(self, n=64, length=32, seed=0):
        rng = np.random.default_rng(seed)
        self.x = rng.standard_normal((n, length)).astype(np.float32)
        self.y = (self.x.mean(axis=1) > 0).astype(np.int64)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return self.x[i], self.y[i]


def build_loader(ds, batch_size, num_workers, noise):
    def add_noise_collate(batch):
        xs = torch.from_numpy(np.stack([b[0] for b in batch]))
        ys = torch.tensor([b[1] for b in batch])
        return xs + noise * torch.randn_like(xs), ys

    return DataLoader(
        ds,
        batch_size=batch_size,
        shuffle=False,
        num_workers=num_workers,
        collate_fn=add_noise_collate,
        multiprocessing_context="spawn",
        persistent_workers=True,
    )


def main():
    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)
    ds = ShardedSignals()
    loader = build_loader(ds, batch_size=16, num_workers=1, noise=0.01)
    model = nn.Sequential(nn.Linear(32, 16), nn.ReLU(), nn.Linear(16, 2))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    n_seen = 0
    for epoch in range(2):
        for xs, ys in loader:
            loss = nn.functional.cross_entropy(model(xs), ys)
            opt.zero_grad()
            loss.backward()
            opt.step()
            n_seen += xs.shape[0]
        print(f"epoch {epoch} loss {loss.item():.4f}")
    assert n_seen == 2 * len(ds)
    assert torch.isfinite(loss)
    print(f"RESULT seen={n_seen} loss={loss.item():.4f}")


if __name__ == "__main__":
    main()
