"""Tabular regressor for house prices: small MLP trained on synthetic features."""
import random

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

random.seed(0)
np.random.seed(0)
torch.manual_seed(0)

N_SAMPLES = 512
N_FEATURES = 12
BATCH_SIZE = 64
EPOCHS = 6


def make_data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(N_SAMPLES, N_FEATURES)).astype(np.float32)
    coef = rng.normal(size=(N_FEATURES,)).astype(np.float32)
    y = X @ coef + 0.1 * rng.normal(size=(N_SAMPLES,)).astype(np.float32)
    return torch.from_numpy(X), torch.from_numpy(y).unsqueeze(1)


class PriceRegressor(nn.Module):
    def __init__(self, n_features, hidden=64):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(n_features, hidden),
            nn.ReLU(),
            nn.Linear(hidden, hidden),
            nn.ReLU(),
            nn.Linear(hidden, 1),
        )

    def forward(self, x):
        return self.net(x)


X, y = make_data()
loader = DataLoader(TensorDataset(X, y), batch_size=BATCH_SIZE, shuffle=True)

model = PriceRegressor(N_FEATURES)
optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
criterion = nn.SmoothL1Loss(reduction="none")

history = []
for epoch in range(EPOCHS):
    model.train()
    running = 0.0
    n_batches = 0
    for xb, yb in loader:
        optimizer.zero_grad()
        pred = model(xb)
        loss = criterion(pred, yb)
        loss.mean().backward()
        optimizer.step()
        running += loss.item()
        n_batches += 1
    epoch_loss = running / n_batches
    history.append(epoch_loss)
    print(f"epoch {epoch} loss {epoch_loss:.4f}")

assert n_batches == N_SAMPLES // BATCH_SIZE
assert np.isfinite(history[-1])
assert history[-1] < history[0], history
print(f"RESULT first={history[0]:.4f} last={history[-1]:.4f} batches={n_batches}")
