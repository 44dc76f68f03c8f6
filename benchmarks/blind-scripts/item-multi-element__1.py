"""Accumulating the running loss with .item() over an unreduced loss.

Per-element losses are kept so that outliers could be inspected later.
"""
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
X, y = torch.randn(96, 5), torch.randn(96)
loader = DataLoader(TensorDataset(X, y), batch_size=32)
model = nn.Linear(5, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.05)
criterion = nn.SmoothL1Loss(reduction="none")

for epoch in range(3):
    running = 0.0
    for xb, yb in loader:
        opt.zero_grad()
        losses = criterion(model(xb).squeeze(1), yb)
        losses.mean().backward()
        opt.step()
        running += losses.item()

avg = running / len(loader)
assert avg == avg
print(f"RESULT loss={avg:.4f}")
