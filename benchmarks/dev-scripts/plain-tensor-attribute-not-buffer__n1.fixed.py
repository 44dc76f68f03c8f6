"""Random Fourier feature regressor fitted in float64, with a checkpoint round-trip."""
import io
import math

import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(0)
np.random.seed(0)


class FourierFeatures(nn.Module):
    def __init__(self, in_dim, n_features=64, scale=2.0):
        super().__init__()
        self.register_buffer("B", torch.randn(in_dim, n_features) * scale)

    def forward(self, x):
        proj = 2 * math.pi * x @ self.B
        return torch.cat([torch.sin(proj), torch.cos(proj)], dim=-1)


class RFFRegressor(nn.Module):
    def __init__(self, in_dim, n_features=64):
        super().__init__()
        self.features = FourierFeatures(in_dim, n_features)
        self.linear = nn.Linear(2 * n_features, 1)

    def forward(self, x):
        return self.linear(self.features(x)).squeeze(-1)


# 2-D regression target with fine structure; float64 for a well-conditioned fit
x = torch.rand(400, 2, dtype=torch.float64)
y = torch.sin(6 * x[:, 0]) * torch.cos(4 * x[:, 1]) + 0.01 * torch.randn(400, dtype=torch.float64)

model = RFFRegressor(in_dim=2).double()
opt = torch.optim.LBFGS(model.parameters(), lr=0.5, max_iter=50)


def closure():
    opt.zero_grad()
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    return loss


init_loss = nn.functional.mse_loss(model(x), y).item()
for _ in range(3):
    opt.step(closure)
final_loss = nn.functional.mse_loss(model(x), y).item()
print(f"mse {init_loss:.5f} -> {final_loss:.5f}")

buf = io.BytesIO()
torch.save(model.state_dict(), buf)
buf.seek(0)
restored = RFFRegressor(in_dim=2).double()
restored.load_state_dict(torch.load(buf, weights_only=True))
with torch.no_grad():
    same = torch.allclose(restored(x), model(x))

assert model(x).dtype == torch.float64
assert final_loss < 0.1 * init_loss
assert same, "restored model must reproduce predictions"
print(f"RESULT mse_init={init_loss:.5f} mse_final={final_loss:.6f} restored_match={same}")
