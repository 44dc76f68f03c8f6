"""Fourier-feature MLP for a 1-D PDE solution, checked with torch.autograd.gradcheck in float64."""
import math

import torch
import torch.nn as nn


class FourierFeatureNet(nn.Module):
    def __init__(self, n_freq=16, hidden=32, scale=3.0):
        super().__init__()
        g = torch.Generator().manual_seed(0)
        self.B = torch.randn(1, n_freq, generator=g) * scale
        self.mlp = nn.Sequential(nn.Linear(2 * n_freq, hidden), nn.Tanh(), nn.Linear(hidden, 1))

    def forward(self, x):
        proj = 2 * math.pi * x @ self.B
        return self.mlp(torch.cat([proj.sin(), proj.cos()], dim=-1))


torch.manual_seed(0)
net = FourierFeatureNet()
xs = torch.linspace(0, 1, 64).unsqueeze(1)
target = torch.sin(4 * math.pi * xs)
opt = torch.optim.Adam(net.parameters(), lr=1e-2)
for _ in range(100):
    loss = (net(xs) - target).pow(2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
print(f"fit mse {loss.item():.4f}")

# gradient check of du/dx needs double precision
net = net.double()
x_check = torch.rand(5, 1, dtype=torch.float64, requires_grad=True)
ok = torch.autograd.gradcheck(lambda inp: net(inp), (x_check,))
print("gradcheck passed:", ok)
