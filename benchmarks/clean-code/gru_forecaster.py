"""Multi-step time-series forecasting with a GRU over sliding windows.

Windows are built once as float32 tensors of shape [windows, steps, 1]; the
initial hidden state has shape [num_layers, batch, hidden] even with
batch_first=True; predictions and targets are both [batch, horizon], so
MSELoss compares like with like.
"""
import math

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


def seasonal_series(n: int, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(n)
    return np.sin(2 * math.pi * t / 24) + 0.5 * np.sin(2 * math.pi * t / 7) + 0.1 * rng.normal(size=n)


class WindowDataset(Dataset):
    def __init__(self, series: np.ndarray, history: int, horizon: int) -> None:
        starts = range(len(series) - history - horizon + 1)
        inputs = np.stack([series[s:s + history] for s in starts])
        targets = np.stack([series[s + history:s + history + horizon] for s in starts])
        self.inputs = torch.from_numpy(inputs.astype(np.float32)).unsqueeze(-1)   # (W, history, 1)
        self.targets = torch.from_numpy(targets.astype(np.float32))               # (W, horizon)

    def __len__(self) -> int:
        return len(self.targets)

    def __getitem__(self, i: int):
        return self.inputs[i], self.targets[i]


class GRUForecaster(nn.Module):
    def __init__(self, hidden: int = 32, layers: int = 2, horizon: int = 6) -> None:
        super().__init__()
        self.hidden, self.layers = hidden, layers
        self.gru = nn.GRU(input_size=1, hidden_size=hidden, num_layers=layers, batch_first=True, dropout=0.1)
        self.head = nn.Linear(hidden, horizon)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h0 = x.new_zeros(self.layers, x.size(0), self.hidden)
        output, _ = self.gru(x, h0)
        return self.head(output[:, -1])                       # (B, horizon)


def naive_baseline(loader: DataLoader) -> float:
    """Error of repeating the last observed value over the horizon."""
    errors = []
    for x, y in loader:
        errors.append(((x[:, -1, :] - y) ** 2).mean().item())
    return sum(errors) / len(errors)


@torch.no_grad()
def rollout(model: GRUForecaster, history: torch.Tensor, steps: int) -> torch.Tensor:
    """Forecasts further than the model's horizon by feeding its predictions back as input."""
    model.eval()
    window = history.clone()                                  # (1, history, 1)
    predicted: list[torch.Tensor] = []
    while sum(p.size(1) for p in predicted) < steps:
        block = model(window)                                 # (1, horizon)
        predicted.append(block)
        window = torch.cat([window[:, block.size(1):], block.unsqueeze(-1)], dim=1)
    return torch.cat(predicted, dim=1)[:, :steps]


def fit(model: nn.Module, train: DataLoader, val: DataLoader, epochs: int) -> float:
    criterion = nn.MSELoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=1)
    val_loss = float("inf")
    for epoch in range(epochs):
        model.train()
        for window, target in train:
            prediction = model(window)
            loss = criterion(prediction, target)
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
        model.eval()
        with torch.no_grad():
            val_loss = sum(criterion(model(x), y).item() for x, y in val) / len(val)
        scheduler.step(val_loss)
        print(f"epoch {epoch}: val MSE {val_loss:.4f}, lr {optimizer.param_groups[0]['lr']:.4f}")
    return val_loss


def main() -> None:
    rng = np.random.default_rng(17)
    torch.manual_seed(17)
    series = seasonal_series(280, rng)
    split = 220
    train_ds = WindowDataset(series[:split], history=24, horizon=6)
    val_ds = WindowDataset(series[split - 24:], history=24, horizon=6)
    train = DataLoader(train_ds, batch_size=32, shuffle=True)
    val = DataLoader(val_ds, batch_size=64)
    model = GRUForecaster()
    final = fit(model, train, val, epochs=2)
    print(f"GRU {final:.4f} vs repeat-last baseline {naive_baseline(val):.4f}")

    history = val_ds.inputs[:1]
    future = rollout(model, history, steps=15)
    truth = torch.from_numpy(series[split:split + 15].astype(np.float32))
    print(f"15-step rollout MSE {((future[0] - truth) ** 2).mean().item():.4f}")


if __name__ == "__main__":
    main()
