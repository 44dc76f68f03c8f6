import argparse

import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(2)
np.random.seed(2)


def parse_args():
    p = argparse.ArgumentParser(description="autoencoder anomaly scoring")
    p.add_argument("--n-train", type=int, default=200)
    p.add_argument("--n-test", type=int, default=50)
    p.add_argument("--dim", type=int, default=12)
    p.add_argument("--latent", type=int, default=3)
    p.add_argument("--epochs", type=int, default=30)
    return p.parse_args([])


class Standardizer:
    def fit(self, x):
        self.mean = x.mean(dim=0, keepdim=True)
        self.std = x.std(dim=0, keepdim=True).clamp(min=1e-6)
        return self

    def transform(self, x):
        return (x - self.mean) / self.std


class AutoEncoder(nn.Module):
    def __init__(self, dim, latent):
        super().__init__()
        self.enc = nn.Sequential(nn.Linear(dim, 16), nn.Tanh(), nn.Linear(16, latent))
        self.dec = nn.Sequential(nn.Linear(latent, 16), nn.Tanh(), nn.Linear(16, dim))

    def forward(self, x):
        return self.dec(self.enc(x))


def make_data(n, dim, anomalous=False):
    basis = torch.randn(3, dim, generator=torch.Generator().manual_seed(0))
    z = torch.randn(n, 3)
    x = z @ basis * 2.0 + 5.0 + 0.05 * torch.randn(n, dim)
    if anomalous:
        x = x + 3.0 * torch.randn(n, dim)
    return x


def main():
    args = parse_args()
    train_x = make_data(args.n_train, args.dim)
    scaler = Standardizer().fit(train_x)
    train_z = scaler.transform(train_x)

    model = AutoEncoder(args.dim, args.latent)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for epoch in range(args.epochs):
        recon = model(train_z)
        loss = ((recon - train_z) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    print(f"train recon loss {loss.item():.4f}")

    model.eval()
    with torch.no_grad():
        normal = scaler.transform(make_data(args.n_test, args.dim))
        odd = scaler.transform(make_data(args.n_test, args.dim, anomalous=True))
        score_normal = ((model(normal) - normal) ** 2).mean(dim=1)
        score_odd = ((model(odd) - odd) ** 2).mean(dim=1)

    assert score_normal.shape == (args.n_test,)
    assert torch.isfinite(score_normal).all() and torch.isfinite(score_odd).all()
    assert score_odd.mean() > score_normal.mean()
    print(f"RESULT normal={score_normal.mean():.4f} anomalous={score_odd.mean():.4f}")


if __name__ == "__main__":
    main()
