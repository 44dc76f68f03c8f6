"""Random Fourier feature network for fitting a 1-D function; checked with gradcheck in float64."""
import math
import torch
import torch.nn as nn
from torch.autograd import gradcheck

torch.manual_seed(0)


class FourierFeatureNet(nn.Module):
    def __init__(self, in_dim=1, n_features=32, scale=3.0, hidden=64):
        super().__init__()
        # fixed random projection, not trained
        self.B = torch.randn(in_dim, n_features) * scale
        self.mlp = nn.Sequential(nn.Linear(2 * n_features, hidden), nn.Tanh(), nn.Linear(hidden, 1))

    def forward(self, x):
        proj = 2 * math.pi * x @ self.B
        return self.mlp(torch.cat([proj.sin(), proj.cos()], dim=-1))


x = torch.linspace(-1, 1, 200).unsqueeze(1)
y = torch.sin(5 * x) * torch.exp(-x ** 2)
model = FourierFeatureNet()
opt = torch.optim.Adam(model.parameters(), lr=5e-3)
for step in range(200):
    loss = nn.functional.mse_loss(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
print(f"fit mse {loss.item():.5f}")

# numerical gradient check needs double precision
model = model.double()
probe = torch.randn(4, 1, dtype=torch.float64, requires_grad=True)
ok = gradcheck(model, (probe,), eps=1e-6, atol=1e-4)
print("gradcheck passed:", ok)
