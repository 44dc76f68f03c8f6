"""Label-smoothed soft-target training for a ratings classifier (ratings 1..5)."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

CFG = {"num_ratings": 5, "in_dim": 16, "smoothing": 0.1, "batch_size": 16, "epochs": 3}


class ReviewFeatures(Dataset):
    def __init__(self, n, seed=0):
        rng = np.random.default_rng(seed)
        self.ratings = rng.integers(1, CFG["num_ratings"] + 1, n)
        base = rng.standard_normal((CFG["num_ratings"], CFG["in_dim"])).astype(np.float32)
        noise = 0.5 * rng.standard_normal((n, CFG["in_dim"])).astype(np.float32)
        self.x = base[self.ratings - 1] + noise

    def __len__(self):
        return len(self.ratings)

    def __getitem__(self, i):
        return torch.from_numpy(self.x[i]), int(self.ratings[i])


def soft_targets(ratings, num_classes, smoothing):
    hard = F.one_hot(ratings, num_classes=num_classes).float()
    return hard * (1.0 - smoothing) + smoothing / num_classes


def main():
    torch.manual_seed(0)
    ds = ReviewFeatures(160)
    loader = DataLoader(ds, batch_size=CFG["batch_size"], shuffle=True)
    model = nn.Sequential(nn.Linear(CFG["in_dim"], 32), nn.ReLU(), nn.Linear(32, CFG["num_ratings"]))
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    for epoch in range(CFG["epochs"]):
        tot = 0.0
        for xb, rb in loader:
            targets = soft_targets(rb - 1, CFG["num_ratings"], CFG["smoothing"])
            logp = F.log_softmax(model(xb), dim=-1)
            loss = -(targets * logp).sum(-1).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        print(f"epoch {epoch} loss {tot / len(loader):.4f}")
    assert targets.shape == (len(rb), CFG["num_ratings"])
    assert torch.allclose(targets.sum(-1), torch.ones(len(rb)))
    assert torch.isfinite(loss)
    print(f"RESULT loss={loss.item():.4f}")


if __name__ == "__main__":
    main()
