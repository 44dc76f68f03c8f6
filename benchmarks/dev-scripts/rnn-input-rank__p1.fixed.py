"""Forecast the next value of a univariate series with an LSTM."""
import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(0)
np.random.seed(0)

WINDOW = 20
series = np.sin(np.linspace(0, 20, 300)) + 0.05 * np.random.randn(300)


def windows(values, width):
    xs = [values[i:i + width] for i in range(len(values) - width)]
    ys = [values[i + width] for i in range(len(values) - width)]
    return torch.tensor(np.array(xs), dtype=torch.float32), torch.tensor(ys, dtype=torch.float32)


class Forecaster(nn.Module):
    def __init__(self, hidden=16):
        super().__init__()
        self.lstm = nn.LSTM(input_size=1, hidden_size=hidden, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x):  # x: (B, T, 1)
        out, _ = self.lstm(x)
        return self.head(out[:, -1]).squeeze(-1)


X, Y = windows(series, WINDOW)
model = Forecaster()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for epoch in range(5):
    perm = torch.randperm(len(X))
    for i in range(0, len(X), 64):
        idx = perm[i:i + 64]
        loss = nn.functional.mse_loss(model(X[idx].unsqueeze(-1)), Y[idx])
        opt.zero_grad(); loss.backward(); opt.step()
    print(f"epoch {epoch} mse {loss.item():.4f}")

# roll forward from the last observed window
model.eval()
history = torch.tensor(series[-WINDOW:], dtype=torch.float32)
preds = []
with torch.no_grad():
    for _ in range(5):
        nxt = model(history.view(1, WINDOW, 1)).squeeze()  # (batch=1, T, features=1)
        preds.append(round(nxt.item(), 3))
        history = torch.cat([history[1:], nxt.view(1)])
print("forecast:", preds)
assert len(preds) == 5 and all(abs(p) < 2 for p in preds)
with torch.no_grad():
    ref = model(X[-1:].unsqueeze(-1))
assert ref.shape == (1,)
print("RESULT forecast", preds)
