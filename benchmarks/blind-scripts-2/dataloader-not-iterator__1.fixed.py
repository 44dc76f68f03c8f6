# %% imports
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)

# %% data: noisy 2-D moons-like points
n = 200
theta = torch.linspace(0, 3.14, n // 2)
upper = torch.stack([theta.cos(), theta.sin()], 1)
lower = torch.stack([1 - theta.cos(), 0.5 - theta.sin()], 1)
points = torch.cat([upper, lower]) + 0.05 * torch.randn(n, 2)
labels = torch.cat([torch.zeros(n // 2), torch.ones(n // 2)]).long()
loader = DataLoader(TensorDataset(points, labels), batch_size=25, shuffle=True)

# %% inspect one batch before building the model
xb, yb = next(iter(loader))
print("batch shapes:", xb.shape, yb.shape)
in_features = xb.shape[1]

# %% model + training
model = nn.Sequential(nn.Linear(in_features, 32), nn.ReLU(), nn.Linear(32, 2))
opt = torch.optim.Adam(model.parameters(), lr=0.01)
for epoch in range(20):
    for xb, yb in loader:
        loss = nn.functional.cross_entropy(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
acc = (model(points).argmax(1) == labels).float().mean().item()
print(f"train acc {acc:.3f}")
assert in_features == 2 and acc > 0.5
print(f"RESULT acc={acc:.3f}")
