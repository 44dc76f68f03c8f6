import random

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

random.seed(9)
np.random.seed(9)
torch.manual_seed(9)
torch.set_num_threads(1)


class VAE(nn.Module):
    def __init__(self, d_in=20, hidden=32, latent=4):
        super().__init__()
        self.enc = nn.Sequential(nn.Linear(d_in, hidden), nn.ReLU())
        self.mu = nn.Linear(hidden, latent)
        self.logvar = nn.Linear(hidden, latent)
        self.dec = nn.Sequential(nn.Linear(latent, hidden), nn.ReLU(), nn.Linear(hidden, d_in))

    def forward(self, x):
        h = self.enc(x)
        mu, logvar = self.mu(h), self.logvar(h)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return self.dec(z), mu, logvar


class VAELoss(nn.Module):
    def __init__(self, beta=0.5):
        super().__init__()
        self.beta = beta

    def forward(self, recon, x, mu, logvar):
        rec = F.mse_loss(recon, x, reduction="sum") / x.size(0)
        kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / x.size(0)
        total = rec + self.beta * kl
        return total, {"rec": rec.item(), "kl": kl.item()}


def make_data(n=256, d=20):
    g = torch.Generator().manual_seed(9)
    z = torch.randn(n, 4, generator=g)
    mix = torch.randn(4, d, generator=g)
    return torch.tanh(z @ mix) + 0.05 * torch.randn(n, d, generator=g)


def main():
    data = make_data()
    loader = DataLoader(TensorDataset(data), batch_size=32, shuffle=True,
                        generator=torch.Generator().manual_seed(9))
    model = VAE()
    criterion = VAELoss(beta=0.5)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    epoch_losses = []
    for epoch in range(6):
        running = 0.0
        for (x,) in loader:
            recon, mu, logvar = model(x)
            loss, _ = criterion(recon, x, mu, logvar)
            opt.zero_grad()
            loss.backward()
            opt.step()
            running += loss.item() * x.size(0)
        epoch_losses.append(running / len(data))
        print(f"epoch {epoch} loss {epoch_losses[-1]:.4f}")

    assert all(np.isfinite(epoch_losses))
    assert epoch_losses[-1] < epoch_losses[0]
    print(f"RESULT first={epoch_losses[0]:.4f} last={epoch_losses[-1]:.4f}")


if __name__ == "__main__":
    main()
