"""Residual MLP regressor for tabular energy-consumption data, with checkpoint round-trip."""
import io
from dataclasses import dataclass
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

torch.set_num_threads(1)

torch.manual_seed(0)
np.random.seed(0)


@dataclass
class TrainConfig:
    n_features: int = 9
    width: int = 32
    depth: int = 3
    lr: float = 3e-3
    epochs: int = 10
    batch_size: int = 32


class ResidualBlock(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.fc = nn.Linear(width, width)
        self.act = nn.ReLU()

    def forward(self, x):
        out = self.act(self.fc(x))
        out += x
        return out


class EnergyRegressor(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.inp = nn.Linear(cfg.n_features, cfg.width)
        self.blocks = nn.Sequential(*[ResidualBlock(cfg.width) for _ in range(cfg.depth)])
        self.out = nn.Linear(cfg.width, 1)

    def forward(self, x):
        return self.out(self.blocks(self.inp(x))).squeeze(-1)


cfg = TrainConfig()
rng = np.random.default_rng(5)
X = rng.normal(size=(320, cfg.n_features)).astype(np.float32)
y = (np.sin(X[:, 0]) + X[:, 1] * X[:, 2] + 0.5 * X[:, 3]).astype(np.float32)
loader = DataLoader(TensorDataset(torch.from_numpy(X), torch.from_numpy(y)), batch_size=cfg.batch_size,
                    shuffle=True, generator=torch.Generator().manual_seed(0))

model = EnergyRegressor(cfg)
opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
history = []
for epoch in range(cfg.epochs):
    total = 0.0
    for xb, yb in loader:
        loss = nn.functional.mse_loss(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item() * len(yb)
    history.append(total / len(X))
print("epoch mse:", [round(h, 4) for h in history])

buf = io.BytesIO()
torch.save(model.state_dict(), buf)
buf.seek(0)
restored = EnergyRegressor(cfg)
restored.load_state_dict(torch.load(buf, weights_only=True))
with torch.no_grad():
    same = torch.allclose(model(torch.from_numpy(X[:16])), restored(torch.from_numpy(X[:16])))
assert same, "checkpoint did not restore the weights"
assert np.isfinite(history).all() and history[-1] < 0.5 * history[0], history
print(f"RESULT first={history[0]:.4f} last={history[-1]:.4f} restored={same}")
