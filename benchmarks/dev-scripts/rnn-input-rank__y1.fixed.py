"""One-step-ahead forecasting of a noisy sine wave with an LSTM, then a rolling forecast."""
import math
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

torch.manual_seed(0)
WINDOW = 24


class Windows(Dataset):
    def __init__(self, series, window=WINDOW):
        self.series = series
        self.window = window

    def __len__(self):
        return len(self.series) - self.window

    def __getitem__(self, i):
        x = self.series[i:i + self.window].unsqueeze(-1)
        y = self.series[i + self.window]
        return x, y


class Forecaster(nn.Module):
    def __init__(self, hidden=16):
        super().__init__()
        self.lstm = nn.LSTM(input_size=1, hidden_size=hidden, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out[..., -1, :]).squeeze(-1)


def rolling_forecast(model, history, steps):
    model.eval()
    window = history[-WINDOW:].clone()
    preds = []
    with torch.no_grad():
        for _ in range(steps):
            nxt = model(window.view(1, -1, 1))
            preds.append(nxt.item())
            window = torch.cat([window[1:], nxt.reshape(1)])
    return torch.tensor(preds)


def main():
    t = torch.arange(0, 300, dtype=torch.float32)
    series = torch.sin(2 * math.pi * t / 25) + 0.05 * torch.randn_like(t)
    train, test = series[:250], series[250:]
    loader = DataLoader(Windows(train), batch_size=32, shuffle=True)
    model = Forecaster()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    loss_fn = nn.MSELoss()
    for epoch in range(8):
        model.train()
        for x, y in loader:
            loss = loss_fn(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
    print(f"train loss {loss.item():.4f}")
    preds = rolling_forecast(model, train, steps=10)
    mae = (preds - test[:10]).abs().mean().item()
    print(f"10-step forecast MAE {mae:.4f}")
    return preds, mae


if __name__ == "__main__":
    preds, mae = main()
    assert preds.shape == (10,) and torch.isfinite(preds).all()
    assert mae < 1.0
    print(f"RESULT ok mae={mae:.4f}")
