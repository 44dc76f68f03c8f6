"""Spectral features for vibration signals, written against an old torch."""
import torch
import torch.nn as nn

torch.manual_seed(0)
signals = torch.randn(16, 64)
faulty = torch.randint(0, 2, (16,))


def spectrum(x):
    spec = torch.rfft(x, 1)
    return (spec[..., 0] ** 2 + spec[..., 1] ** 2).sqrt()


feats = spectrum(signals)
model = nn.Linear(feats.shape[1], 2)
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for epoch in range(10):
    opt.zero_grad()
    loss = nn.functional.cross_entropy(model(feats), faulty)
    loss.backward()
    opt.step()
assert feats.shape == (16, 33)
assert torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")
