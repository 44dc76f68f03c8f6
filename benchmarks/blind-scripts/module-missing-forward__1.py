"""Autoencoder with a misspelled forward method."""
import torch
import torch.nn as nn

torch.manual_seed(0)


class AutoEncoder(nn.Module):
    def __init__(self, dim=20, code=4):
        super().__init__()
        self.enc = nn.Sequential(nn.Linear(dim, 12), nn.ReLU(), nn.Linear(12, code))
        self.dec = nn.Sequential(nn.Linear(code, 12), nn.ReLU(), nn.Linear(12, dim))

    def foward(self, x):
        return self.dec(self.enc(x))


data = torch.randn(50, 20)
ae = AutoEncoder()
opt = torch.optim.Adam(ae.parameters(), lr=1e-2)
for epoch in range(20):
    opt.zero_grad()
    recon = ae(data)
    loss = nn.functional.mse_loss(recon, data)
    loss.backward()
    opt.step()
assert recon.shape == data.shape
assert torch.isfinite(loss)
print(f"RESULT mse={loss.item():.4f}")
