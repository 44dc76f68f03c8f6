import argparse
import random

import numpy as np
import torch
import torch.nn as nn


def seed_all(seed=0):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


class SensorTransformer(nn.Module):
    """Forecasts the next reading of each of n_sensors from a window of past readings."""

    def __init__(self, n_sensors, d_model, nhead, layers, window):
        super().__init__()
        self.inp = nn.Linear(n_sensors, d_model)
        self.pos = nn.Parameter(torch.randn(1, window, d_model) * 0.02)
        enc_layer = nn.TransformerEncoderLayer(
            d_model=d_model, nhead=nhead, dim_feedforward=4 * d_model, dropout=0.1, batch_first=True
        )
        self.encoder = nn.TransformerEncoder(enc_layer, num_layers=layers, enable_nested_tensor=False)
        self.out = nn.Linear(d_model, n_sensors)

    def forward(self, x):
        h = self.encoder(self.inp(x) + self.pos)
        return self.out(h[:, -1])


def windows(series, window):
    xs = torch.stack([series[i:i + window] for i in range(len(series) - window)])
    ys = torch.stack([series[i + window] for i in range(len(series) - window)])
    return xs, ys


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--sensors", type=int, default=6)
    p.add_argument("--d-model", type=int, default=60)
    p.add_argument("--nhead", type=int, default=6)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--window", type=int, default=16)
    p.add_argument("--epochs", type=int, default=3)
    args = p.parse_args([])

    seed_all(0)
    t = torch.arange(200, dtype=torch.float32).unsqueeze(1)
    freqs = torch.linspace(0.05, 0.3, args.sensors)
    series = torch.sin(t * freqs) + 0.05 * torch.randn(200, args.sensors)
    xs, ys = windows(series, args.window)

    model = SensorTransformer(args.sensors, args.d_model, args.nhead, args.layers, args.window)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(args.epochs):
        model.train()
        for i in range(0, len(xs), 32):
            pred = model(xs[i:i + 32])
            loss = nn.functional.mse_loss(pred, ys[i:i + 32])
            opt.zero_grad()
            loss.backward()
            opt.step()
        print(f"epoch {epoch} mse {loss.item():.4f}")
    model.eval()
    with torch.no_grad():
        pred = model(xs[-4:])
    assert pred.shape == (4, args.sensors)
    assert torch.isfinite(loss)
    print(f"RESULT d_model={args.d_model} nhead={args.nhead} mse={loss.item():.4f}")


if __name__ == "__main__":
    main()
