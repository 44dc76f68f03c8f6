"""Autoencoder on synthetic 2-D manifolds; imports trimmed by an overeager linter."""
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class AutoEncoder(nn.Module):
    def __init__(self, d_in=20, d_latent=2):
        super().__init__()
        self.enc = nn.Sequential(nn.Linear(d_in, 64), nn.ReLU(), nn.Linear(64, d_latent))
        self.dec = nn.Sequential(nn.Linear(d_latent, 64), nn.ReLU(), nn.Linear(64, d_in))

    def forward(self, x):
        z = self.enc(x)
        return self.dec(z), z


def make_dataset(n=512, d=20, seed=0):
    g = torch.Generator().manual_seed(seed)
    latent = torch.rand(n, 2, generator=g) * 6.28
    basis = torch.randn(4, d, generator=g)
    feats = torch.cat([latent.sin(), latent.cos()], dim=1)
    return TensorDataset(feats @ basis)


def train(epochs=10):
    loader = DataLoader(make_dataset(), batch_size=64, shuffle=True)
    torch.manual_seed(0)
    model = AutoEncoder()
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    for epoch in range(epochs):
        total = 0.0
        for (xb,) in loader:
            recon, _ = model(xb)
            loss = F.mse_loss(recon, xb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(xb)
        print(f"epoch {epoch} recon {total / len(loader.dataset):.4f}")
    return model, total / len(loader.dataset)


if __name__ == "__main__":
    model, final = train()
