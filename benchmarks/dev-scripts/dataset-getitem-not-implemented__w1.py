import math
import random

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

random.seed(5)
np.random.seed(5)
torch.manual_seed(5)

CFG = dict(series_len=400, window=24, horizon=1, hidden=32, batch_size=32, epochs=3, lr=1e-2)


def make_series(n):
    t = torch.arange(n, dtype=torch.float32)
    return torch.sin(2 * math.pi * t / 50) + 0.5 * torch.sin(2 * math.pi * t / 13) + 0.05 * torch.randn(n)


class WindowDataset(Dataset):
    def __init__(self, series, window, horizon):
        self.series = series
        self.window = window
        self.horizon = horizon

    def __len__(self):
        return len(self.series) - self.window - self.horizon + 1

    def __get_item__(self, idx):
        x = self.series[idx: idx + self.window]
        y = self.series[idx + self.window: idx + self.window + self.horizon]
        return x.unsqueeze(-1), y


class GRUForecaster(nn.Module):
    def __init__(self, hidden, horizon):
        super().__init__()
        self.gru = nn.GRU(1, hidden, batch_first=True)
        self.proj = nn.Linear(hidden, horizon)

    def forward(self, x):
        _, h = self.gru(x)
        return self.proj(h[-1])


def main():
    series = make_series(CFG["series_len"])
    split = int(0.8 * len(series))
    train_ds = WindowDataset(series[:split], CFG["window"], CFG["horizon"])
    val_ds = WindowDataset(series[split:], CFG["window"], CFG["horizon"])
    train_loader = DataLoader(train_ds, batch_size=CFG["batch_size"], shuffle=True,
                              generator=torch.Generator().manual_seed(5))
    val_loader = DataLoader(val_ds, batch_size=CFG["batch_size"])

    model = GRUForecaster(CFG["hidden"], CFG["horizon"])
    opt = torch.optim.Adam(model.parameters(), lr=CFG["lr"])
    loss_fn = nn.MSELoss()
    for epoch in range(CFG["epochs"]):
        model.train()
        for x, y in train_loader:
            loss = loss_fn(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            val = sum(loss_fn(model(x), y).item() * len(x) for x, y in val_loader) / len(val_ds)
        print(f"epoch {epoch} train {loss.item():.4f} val {val:.4f}")

    assert math.isfinite(val)
    assert val < series.var().item()
    print(f"RESULT val_mse={val:.4f} n_train={len(train_ds)}")


if __name__ == "__main__":
    main()
