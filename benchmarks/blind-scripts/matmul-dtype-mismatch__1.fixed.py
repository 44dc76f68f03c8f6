"""Regression on features prepared with numpy."""
import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(0)
rng = np.random.default_rng(0)

raw = rng.normal(size=(500, 8))
raw = (raw - raw.mean(0)) / raw.std(0)
target = raw @ rng.normal(size=8) + 0.05 * rng.normal(size=500)

X = torch.from_numpy(raw).float()
y = torch.tensor(target, dtype=torch.float32)

model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 1))
opt = torch.optim.Adam(model.parameters(), lr=5e-3)
loss_fn = nn.MSELoss()


def train_epoch():
    opt.zero_grad()
    pred = model(X).squeeze(1)
    loss = loss_fn(pred, y)
    loss.backward()
    opt.step()
    return loss


for epoch in range(30):
    loss = train_epoch()
assert torch.isfinite(loss) and loss.dtype == torch.float32
print(f"RESULT mse={loss.item():.4f}")
