"""Sensor forecasting: predict the next reading from a sliding window with a LSTM."""
import math

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

torch.manual_seed(0)
np.random.seed(0)

WINDOW = 16
N_SENSORS = 3


def synth_series(n=600):
    t = np.arange(n, dtype=np.float32)
    s1 = np.sin(2 * math.pi * t / 50)
    s2 = np.cos(2 * math.pi * t / 30)
    s3 = 0.5 * s1 * s2
    noise = 0.05 * np.random.randn(n, N_SENSORS).astype(np.float32)
    return np.stack([s1, s2, s3], axis=1) + noise


class WindowDataset(Dataset):
    def __init__(self, series, window):
        self.series = torch.from_numpy(series)
        self.window = window

    def __len__(self):
        return len(self.series) - self.window

    def __getitem__(self, i):
        x = self.series[i:i + self.window]
        y = self.series[i + self.window]
        return x, y


class Forecaster(nn.Module):
    def __init__(self, n_in, hidden=24, layers=1):
        super().__init__()
        self.encoder = nn.LSTM(n_in, hidden, num_layers=layers, batch_first=True)
        self.proj = nn.Linear(hidden, n_in)

    def forward(self, x):
        out = self.encoder(x)
        batch, steps, hidden = out.size()
        assert steps == x.size(1)
        last = out[:, -1, :]
        return self.proj(last)


series = synth_series()
train_ds = WindowDataset(series[:300], WINDOW)
val_ds = WindowDataset(series[300:400], WINDOW)
train_loader = DataLoader(train_ds, batch_size=32, shuffle=True)
val_loader = DataLoader(val_ds, batch_size=64)

model = Forecaster(N_SENSORS)
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
loss_fn = nn.MSELoss()


def evaluate():
    model.eval()
    tot, n = 0.0, 0
    with torch.no_grad():
        for xb, yb in val_loader:
            tot += loss_fn(model(xb), yb).item() * len(xb)
            n += len(xb)
    model.train()
    return tot / n


val_before = evaluate()
for epoch in range(3):
    for xb, yb in train_loader:
        pred = model(xb)
        loss = loss_fn(pred, yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
    print(f"epoch {epoch} train_loss={loss.item():.4f}")
val_after = evaluate()

assert pred.shape == (xb.shape[0], N_SENSORS)
assert val_after < val_before
print(f"RESULT val_before={val_before:.4f} val_after={val_after:.4f}")
