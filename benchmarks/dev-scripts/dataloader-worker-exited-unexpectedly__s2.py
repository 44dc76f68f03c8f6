#!/usr/bin/env python
# Forecasting script: sliding windows over a synthetic sine series, LSTM one-step-ahead model.
# Everything lives under the main guard so that spawned workers do not re-run the training.
import math
import torch
import torch.nn as nn
import torch.multiprocessing as mp
from torch.utils.data import Dataset, DataLoader

if __name__ == "__main__":
    mp.set_start_method("spawn", force=True)

    class WindowDataset(Dataset):
        def __init__(self, series, window):
            self.series, self.window = series, window

        def __len__(self):
            return len(self.series) - self.window

        def __getitem__(self, i):
            x = self.series[i : i + self.window]
            return x.unsqueeze(-1), self.series[i + self.window]

    class Forecaster(nn.Module):
        def __init__(self, hidden=16):
            super().__init__()
            self.lstm = nn.LSTM(1, hidden, batch_first=True)
            self.out = nn.Linear(hidden, 1)

        def forward(self, x):
            h, _ = self.lstm(x)
            return self.out(h[:, -1]).squeeze(-1)

    torch.manual_seed(0)
    t = torch.arange(400, dtype=torch.float32)
    series = torch.sin(2 * math.pi * t / 50) + 0.05 * torch.randn(400)
    loader = DataLoader(WindowDataset(series, window=20), batch_size=32, shuffle=True,
                        num_workers=2, persistent_workers=True)
    model = Forecaster()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for epoch in range(3):
        for x, y in loader:
            loss = nn.functional.mse_loss(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        print(f"epoch {epoch} mse {loss.item():.4f}")
