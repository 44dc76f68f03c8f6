"""Autoencoder on synthetic data; run as `python optimizer-lr-string__p1.py --lr 3e-4`."""
import argparse
import sys

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)


def get_args(argv):
    p = argparse.ArgumentParser()
    p.add_argument("--lr", default=1e-3, help="learning rate")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--latent", type=int, default=4)
    return p.parse_args(argv)


class AutoEncoder(nn.Module):
    def __init__(self, dim=20, latent=4):
        super().__init__()
        self.enc = nn.Sequential(nn.Linear(dim, 12), nn.ReLU(), nn.Linear(12, latent))
        self.dec = nn.Sequential(nn.Linear(latent, 12), nn.ReLU(), nn.Linear(12, dim))

    def forward(self, x):
        return self.dec(self.enc(x))


def main(argv):
    args = get_args(argv)
    data = torch.randn(256, 5) @ torch.randn(5, 20)
    loader = DataLoader(TensorDataset(data), batch_size=32, shuffle=True)
    model = AutoEncoder(latent=args.latent)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    for epoch in range(args.epochs):
        total = 0.0
        for (xb,) in loader:
            loss = nn.functional.mse_loss(model(xb), xb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(xb)
        print(f"epoch {epoch} recon {total / len(data):.4f}")
    return total / len(data)


if __name__ == "__main__":
    main(sys.argv[1:] or ["--lr", "3e-4"])
