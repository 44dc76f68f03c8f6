import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader

np.random.seed(0)
torch.manual_seed(0)


class WindowedSeries(Dataset):
    """Sliding windows over a univariate time series for one-step-ahead forecasting."""

    def __init__(self, series, window=12):
        self.series = torch.as_tensor(series, dtype=torch.float32)
        self.window = window

    def __len__(self):
        return len(self.series) - self.window

    def __get_item__(self, idx):
        x = self.series[idx: idx + self.window]
        y = self.series[idx + self.window]
        return x.unsqueeze(-1), y.unsqueeze(-1)


class Forecaster(nn.Module):
    def __init__(self, hidden=16):
        super().__init__()
        self.rnn = nn.LSTM(1, hidden, batch_first=True)
        self.out = nn.Linear(hidden, 1)

    def forward(self, x):
        _, (h, _) = self.rnn(x)
        return self.out(h[-1])


t = np.arange(200)
series = np.sin(t / 8.0) + 0.1 * np.random.randn(200)
train_ds = WindowedSeries(series[:160])
loader = DataLoader(train_ds, batch_size=16, shuffle=True)
model = Forecaster()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for epoch in range(3):
    for x, y in loader:
        loss = nn.functional.mse_loss(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    print(f"epoch {epoch}: mse {loss.item():.4f}")
