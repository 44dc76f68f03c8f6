"""Residual MLP classifier on synthetic 2-moons-like data."""
import math
import torch
import torch.nn as nn

torch.manual_seed(0)


def two_moons(n=200, noise=0.1):
    t = torch.rand(n) * math.pi
    upper = torch.stack([torch.cos(t), torch.sin(t)], 1)
    lower = torch.stack([1 - torch.cos(t), 0.5 - torch.sin(t)], 1)
    x = torch.cat([upper, lower]) + noise * torch.randn(2 * n, 2)
    y = torch.cat([torch.zeros(n), torch.ones(n)]).long()
    return x, y


class ResBlock(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(dim, dim), nn.Linear(dim, dim)

    def forward(self, x):
        return x + self.fc2(torch.relu(self.fc1(x)))


class ResMLP(nn.Module):
    def __init__(self, dim=32, blocks=3):
        super().__init__()
        self.inp = nn.Linear(2, dim)
        self.blocks = nn.Sequential(*[ResBlock(dim) for _ in range(blocks)])
        self.out = nn.Linear(dim, 2)

    def forward(self, x):
        h = self.blocks(torch.relu(self.inp(x)))
        logits = self.out(h)


x, y = two_moons()
model = ResMLP()
criterion = nn.CrossEntropyLoss()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for epoch in range(50):
    loss = criterion(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if epoch % 10 == 0:
        print(f"epoch {epoch:2d} loss {loss.item():.4f}")
