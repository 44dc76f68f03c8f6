"""Stateful LSTM forecaster trained with truncated BPTT on a noisy sine series."""
import math

import torch
import torch.nn as nn

CFG = dict(batch=4, hidden=32, layers=2, chunk=16, n_chunks=12, lr=5e-3)


class Forecaster(nn.Module):
    def __init__(self, hidden, layers):
        super().__init__()
        self.hidden = hidden
        self.layers = layers
        self.lstm = nn.LSTM(1, hidden, num_layers=layers, batch_first=True)
        self.out = nn.Linear(hidden, 1)

    def init_state(self, batch):
        h = torch.zeros(batch, self.layers, self.hidden)
        c = torch.zeros(batch, self.layers, self.hidden)
        return h, c

    def forward(self, x, state):
        y, state = self.lstm(x, state)
        return self.out(y), state


def make_series(batch, length):
    t = torch.arange(length, dtype=torch.float32)
    phase = torch.linspace(0, math.pi, batch).unsqueeze(1)
    return (torch.sin(0.2 * t + phase) + 0.05 * torch.randn(batch, length)).unsqueeze(-1)


def main():
    torch.manual_seed(0)
    series = make_series(CFG["batch"], CFG["chunk"] * CFG["n_chunks"] + 1)
    model = Forecaster(CFG["hidden"], CFG["layers"])
    opt = torch.optim.Adam(model.parameters(), lr=CFG["lr"])
    losses = []
    for epoch in range(3):
        state = model.init_state(CFG["batch"])
        for k in range(CFG["n_chunks"]):
            s = k * CFG["chunk"]
            inp = series[:, s: s + CFG["chunk"]]
            tgt = series[:, s + 1: s + CFG["chunk"] + 1]
            pred, state = model(inp, state)
            state = tuple(t.detach() for t in state)
            loss = nn.functional.mse_loss(pred, tgt)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
    assert pred.shape == tgt.shape
    assert state[0].shape == (CFG["layers"], CFG["batch"], CFG["hidden"])
    assert all(math.isfinite(l) for l in losses) and losses[-1] < losses[0]
    print(f"RESULT first={losses[0]:.4f} last={losses[-1]:.4f}")


if __name__ == "__main__":
    main()
