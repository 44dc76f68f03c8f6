import math
import random

import numpy as np
import torch
import torch.nn as nn

random.seed(13)
np.random.seed(13)
torch.manual_seed(13)
torch.set_num_threads(1)

CFG = {"n_freqs": 32, "sigma": 4.0, "hidden": 64, "steps": 150, "lr": 5e-3, "grid": 24}


class FourierFeatureMLP(nn.Module):
    """Coordinate network: (x, y) -> value, with random Fourier feature encoding."""

    def __init__(self, in_dim, n_freqs, sigma, hidden):
        super().__init__()
        self.register_buffer("B", torch.randn(in_dim, n_freqs) * sigma)
        self.net = nn.Sequential(
            nn.Linear(2 * n_freqs, hidden), nn.ReLU(),
            nn.Linear(hidden, hidden), nn.ReLU(),
            nn.Linear(hidden, 1),
        )

    def encode(self, coords):
        proj = 2 * math.pi * coords @ self.B
        return torch.cat([torch.sin(proj), torch.cos(proj)], dim=-1)

    def forward(self, coords):
        return self.net(self.encode(coords)).squeeze(-1)


def target_image(n):
    lin = torch.linspace(0, 1, n, dtype=torch.float64)
    yy, xx = torch.meshgrid(lin, lin, indexing="ij")
    img = torch.sin(6 * math.pi * xx) * torch.cos(4 * math.pi * yy) + (xx - 0.5) ** 2
    coords = torch.stack([xx, yy], dim=-1).reshape(-1, 2)
    return coords, img.reshape(-1)


def psnr(pred, ref):
    mse = torch.mean((pred - ref) ** 2)
    return 10 * torch.log10((ref.max() - ref.min()) ** 2 / mse)


def main():
    coords, values = target_image(CFG["grid"])
    model = FourierFeatureMLP(2, CFG["n_freqs"], CFG["sigma"], CFG["hidden"]).double()
    opt = torch.optim.Adam(model.parameters(), lr=CFG["lr"])
    for step in range(CFG["steps"]):
        pred = model(coords)
        loss = torch.mean((pred - values) ** 2)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 50 == 0:
            print(f"step {step:3d} mse {loss.item():.6f}")

    with torch.no_grad():
        pred = model(coords)
        score = psnr(pred, values).item()
    assert pred.dtype == torch.float64 and pred.shape == values.shape
    assert math.isfinite(score) and score > 15.0, score
    print(f"RESULT psnr={score:.2f}dB final_mse={loss.item():.6f}")


if __name__ == "__main__":
    main()
