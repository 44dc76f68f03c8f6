import random

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

RATINGS = 5


class ReviewRatings(Dataset):
    """Bag-of-words review vectors with star ratings 1..5."""

    def __init__(self, n=80, vocab=30, seed=0):
        rng = np.random.default_rng(seed)
        self.x = rng.poisson(1.0, size=(n, vocab)).astype(np.float32)
        self.stars = rng.integers(1, RATINGS + 1, size=n)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        target = F.one_hot(torch.tensor(self.stars[i] - 1), num_classes=RATINGS).float()
        smoothed = target * 0.9 + 0.1 / RATINGS
        return torch.from_numpy(self.x[i]), smoothed


def main():
    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)
    ds = ReviewRatings()
    loader = DataLoader(ds, batch_size=16, shuffle=True)
    model = nn.Sequential(nn.Linear(30, 32), nn.ReLU(), nn.Linear(32, RATINGS))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for epoch in range(3):
        total = 0.0
        for x, soft_target in loader:
            logp = F.log_softmax(model(x), dim=1)
            loss = -(soft_target * logp).sum(1).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * x.shape[0]
        print(f"epoch {epoch} loss {total / len(ds):.4f}")
    assert soft_target.shape[1] == RATINGS
    assert torch.allclose(soft_target.sum(1), torch.ones(soft_target.shape[0]))
    assert np.isfinite(total)
    print(f"RESULT loss={total / len(ds):.4f}")


if __name__ == "__main__":
    main()
