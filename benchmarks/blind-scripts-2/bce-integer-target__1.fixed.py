import argparse

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import TensorDataset, DataLoader


def get_args():
    p = argparse.ArgumentParser(description="binary spam classifier on hashed features")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--batch-size", type=int, default=32)
    return p.parse_args([])


def make_data(n=256, d=20, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype(np.float32)
    w = rng.normal(size=d).astype(np.float32)
    y = (x @ w > 0).astype(np.int64)
    return torch.from_numpy(x), torch.from_numpy(y)


class LogReg(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.linear = nn.Linear(d, 1)

    def forward(self, x):
        return self.linear(x).squeeze(-1)


def main():
    args = get_args()
    torch.manual_seed(0)
    x, y = make_data()
    loader = DataLoader(TensorDataset(x, y), batch_size=args.batch_size, shuffle=True)
    model = LogReg(x.shape[1])
    criterion = nn.BCEWithLogitsLoss()
    opt = torch.optim.SGD(model.parameters(), lr=args.lr)
    for epoch in range(args.epochs):
        running = 0.0
        for batch_idx, (xb, yb) in enumerate(loader):
            opt.zero_grad(set_to_none=True)
            logits = model(xb)
            loss = criterion(logits, yb.float())
            loss.backward()
            opt.step()
            running += loss.item() * xb.size(0)
        print(f"epoch {epoch + 1}: bce={running / len(x):.4f}")
    with torch.no_grad():
        acc = ((model(x) > 0).long() == y).float().mean().item()
    assert y.dtype == torch.int64 and 0.0 <= acc <= 1.0 and running == running
    print(f"RESULT train_acc={acc:.3f}")


if __name__ == "__main__":
    main()
