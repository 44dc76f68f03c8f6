"""Denoising autoencoder for synthetic 1-channel images built with numpy."""
import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(0)
rng = np.random.default_rng(0)

clean = np.sin(np.linspace(0, 6, 32))[None, :] * np.cos(np.linspace(0, 6, 32))[:, None]
clean = np.repeat(clean[None, None], 16, axis=0)
noisy = clean + 0.3 * rng.normal(size=clean.shape)

autoencoder = nn.Sequential(
    nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(),
    nn.Conv2d(8, 1, 3, padding=1),
)
opt = torch.optim.Adam(autoencoder.parameters(), lr=1e-2)
noisy_t = torch.from_numpy(noisy)
clean_t = torch.from_numpy(clean).float()

for step in range(20):
    opt.zero_grad()
    recon = autoencoder(noisy_t)
    loss = nn.functional.mse_loss(recon, clean_t)
    loss.backward()
    opt.step()

assert recon.shape == clean_t.shape
assert torch.isfinite(loss)
print(f"RESULT mse={loss.item():.4f}")
