"""Residual MLP block that adds the skip connection in place."""
import torch
import torch.nn as nn

torch.manual_seed(0)


class ResidualBlock(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.fc1 = nn.Linear(dim, dim)
        self.fc2 = nn.Linear(dim, dim)

    def forward(self, x):
        h = torch.sigmoid(self.fc1(x))
        out = self.fc2(h)
        h += out
        return h


model = nn.Sequential(nn.Linear(10, 32), ResidualBlock(32), nn.Linear(32, 1))
X, y = torch.randn(64, 10), torch.randn(64, 1)
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for step in range(5):
    opt.zero_grad()
    loss = nn.functional.mse_loss(model(X), y)
    loss.backward()
    opt.step()
assert torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")
