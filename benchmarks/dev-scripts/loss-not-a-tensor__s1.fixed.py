"""Variational autoencoder on synthetic 2-D clusters; the criterion also returns its parts for logging."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)


class VAE(nn.Module):
    def __init__(self, d=2, z=2, h=32):
        super().__init__()
        self.enc = nn.Sequential(nn.Linear(d, h), nn.ReLU(), nn.Linear(h, 2 * z))
        self.dec = nn.Sequential(nn.Linear(z, h), nn.ReLU(), nn.Linear(h, d))

    def forward(self, x):
        mu, logvar = self.enc(x).chunk(2, dim=-1)
        z = mu + torch.randn_like(mu) * (0.5 * logvar).exp()
        return self.dec(z), mu, logvar


class ELBOLoss(nn.Module):
    def __init__(self, beta=1.0):
        super().__init__()
        self.beta = beta

    def forward(self, recon, x, mu, logvar):
        rec = F.mse_loss(recon, x, reduction="sum") / len(x)
        kl = -0.5 * torch.mean(torch.sum(1 + logvar - mu ** 2 - logvar.exp(), dim=-1))
        total = rec + self.beta * kl
        return total, {"rec": rec.item(), "kl": kl.item()}


centers = torch.tensor([[2.0, 2.0], [-2.0, 2.0], [0.0, -2.0]])
points = centers[torch.randint(0, 3, (600,))] + 0.3 * torch.randn(600, 2)
loader = DataLoader(TensorDataset(points), batch_size=64, shuffle=True)
model, criterion = VAE(), ELBOLoss(beta=0.5)
opt = torch.optim.Adam(model.parameters(), lr=3e-3)

for epoch in range(5):
    for (xb,) in loader:
        recon, mu, logvar = model(xb)
        loss, logs = criterion(recon, xb, mu, logvar)
        opt.zero_grad()
        loss.backward()
        opt.step()
    print(f"epoch {epoch} rec {logs['rec']:.3f} kl {logs['kl']:.3f}")

assert loss.dim() == 0 and abs(loss.item() - (logs["rec"] + 0.5 * logs["kl"])) < 1e-4
assert recon.shape == xb.shape
print(f"RESULT elbo_loss={loss.item():.4f}")
