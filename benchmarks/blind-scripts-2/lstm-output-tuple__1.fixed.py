"""Sensor time-series forecaster: predict the next value of each channel from a 20-step window."""
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


class WindowDataset(Dataset):
    def __init__(self, series, window=20):
        self.series = torch.from_numpy(series).float()
        self.window = window

    def __len__(self):
        return len(self.series) - self.window

    def __getitem__(self, i):
        return self.series[i:i + self.window], self.series[i + self.window]


class Forecaster(nn.Module):
    def __init__(self, n_channels, hidden=32, layers=2):
        super().__init__()
        self.lstm = nn.LSTM(n_channels, hidden, num_layers=layers, batch_first=True)
        self.head = nn.Linear(hidden, n_channels)

    def forward(self, x):
        out, (h_n, c_n) = self.lstm(x)
        batch, steps, hidden = out.size()
        last = out[:, steps - 1, :]
        return self.head(last)


t = np.linspace(0, 20, 300)
series = np.stack([np.sin(t), np.cos(0.5 * t), 0.1 * t], axis=1)
torch.manual_seed(0)
loader = DataLoader(WindowDataset(series), batch_size=32, shuffle=False)
model = Forecaster(n_channels=3)
opt = torch.optim.Adam(model.parameters(), lr=1e-2)

for epoch in range(2):
    total = 0.0
    for xb, yb in loader:
        loss = nn.functional.mse_loss(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item() * len(xb)
    print(f"epoch {epoch} mse {total / len(loader.dataset):.4f}")
assert model(xb).shape == yb.shape
assert np.isfinite(total)
print(f"RESULT forecaster trained, epoch mse {total / len(loader.dataset):.4f}")
