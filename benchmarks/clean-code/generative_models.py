"""Generative models on toy data: a convolutional autoencoder, a VAE, and a GAN.

The autoencoder's decoder mirrors the encoder with ConvTranspose2d so shapes
line up without cropping; the VAE uses the reparameterisation trick and a KL
term averaged over the batch.

The GAN learns a 2-D ring. The discriminator returns logits and both losses
use BCEWithLogitsLoss. Fake samples are detached for the discriminator step
and passed through the updated discriminator again for the generator step, so
no graph is reused after optimizer.step() changed the weights it saved.
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def blob_images(n: int, size: int = 16, seed: int = 0) -> torch.Tensor:
    """Gaussian blobs at random positions, values in [0, 1], shape (n, 1, size, size)."""
    g = torch.Generator().manual_seed(seed)
    centres = torch.rand(n, 2, generator=g) * (size - 4) + 2
    coords = torch.arange(size, dtype=torch.float32)
    ys = coords.view(1, size, 1)
    xs = coords.view(1, 1, size)
    dist2 = (ys - centres[:, 0].view(n, 1, 1)) ** 2 + (xs - centres[:, 1].view(n, 1, 1)) ** 2
    return torch.exp(-dist2 / 6.0).unsqueeze(1)


class ConvAutoencoder(nn.Module):
    def __init__(self, latent_channels: int = 8) -> None:
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Conv2d(1, 16, 3, stride=2, padding=1), nn.ReLU(),            # 8x8
            nn.Conv2d(16, latent_channels, 3, stride=2, padding=1), nn.ReLU(),  # 4x4
        )
        self.decoder = nn.Sequential(
            nn.ConvTranspose2d(latent_channels, 16, 4, stride=2, padding=1), nn.ReLU(),  # 8x8
            nn.ConvTranspose2d(16, 1, 4, stride=2, padding=1),                           # 16x16
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.decoder(self.encoder(x)))


class VAE(nn.Module):
    def __init__(self, input_dim: int = 256, hidden: int = 64, latent: int = 4) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Flatten(), nn.Linear(input_dim, hidden), nn.ReLU())
        self.to_mu = nn.Linear(hidden, latent)
        self.to_logvar = nn.Linear(hidden, latent)
        self.decode = nn.Sequential(nn.Linear(latent, hidden), nn.ReLU(), nn.Linear(hidden, input_dim))
        self.latent = latent

    def forward(self, x: torch.Tensor):
        h = self.body(x)
        mu, logvar = self.to_mu(h), self.to_logvar(h)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        logits = self.decode(z).view_as(x)
        return logits, mu, logvar

    @torch.no_grad()
    def sample(self, n: int) -> torch.Tensor:
        z = torch.randn(n, self.latent)
        side = int(self.decode[-1].out_features ** 0.5)
        return torch.sigmoid(self.decode(z)).view(n, 1, side, side)


def vae_loss(logits, target, mu, logvar) -> torch.Tensor:
    """Reconstruction (summed per image) plus KL divergence, both averaged over the batch."""
    recon = F.binary_cross_entropy_with_logits(logits, target, reduction="sum") / target.size(0)
    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / target.size(0)
    return recon + kl


def train_autoencoder(images: torch.Tensor) -> float:
    model = ConvAutoencoder()
    optimizer = torch.optim.Adam(model.parameters(), lr=5e-3)
    for epoch in range(3):
        model.train()
        for batch in images.split(32):
            optimizer.zero_grad()
            loss = F.mse_loss(model(batch), batch)
            loss.backward()
            optimizer.step()
    model.eval()
    with torch.no_grad():
        return F.mse_loss(model(images), images).item()


def train_vae(images: torch.Tensor) -> float:
    model = VAE()
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    last = float("nan")
    for epoch in range(3):
        model.train()
        permutation = torch.randperm(images.size(0))
        for idx in permutation.split(32):
            batch = images[idx]
            logits, mu, logvar = model(batch)
            loss = vae_loss(logits, batch, mu, logvar)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            last = loss.item()
    samples = model.sample(3)
    assert samples.shape == (3, 1, 16, 16)
    return last


def run_autoencoders() -> None:
    torch.manual_seed(3)
    images = blob_images(64)
    print(f"autoencoder reconstruction MSE: {train_autoencoder(images):.4f}")
    print(f"VAE loss on the last batch: {train_vae(images):.2f}")


LATENT = 8


def ring_samples(n: int, radius: float = 2.0, noise: float = 0.05) -> torch.Tensor:
    angles = torch.rand(n) * 2 * math.pi
    points = torch.stack([torch.cos(angles), torch.sin(angles)], dim=1) * radius
    return points + noise * torch.randn_like(points)


class Generator(nn.Module):
    def __init__(self, latent: int = LATENT, hidden: int = 64) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(latent, hidden), nn.LeakyReLU(0.2),
            nn.Linear(hidden, hidden), nn.LeakyReLU(0.2),
            nn.Linear(hidden, 2),
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)


class Discriminator(nn.Module):
    def __init__(self, hidden: int = 64) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(2, hidden), nn.LeakyReLU(0.2),
            nn.Linear(hidden, hidden), nn.LeakyReLU(0.2),
            nn.Linear(hidden, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)          # logits, shape (N, 1)


def r1_penalty(real_logits: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    """Squared gradient norm of D at real samples; create_graph so the penalty itself trains D."""
    (grad,) = torch.autograd.grad(real_logits.sum(), real, create_graph=True)
    return grad.pow(2).sum(dim=1).mean()


def discriminator_step(G, D, opt_d, criterion, real: torch.Tensor, r1_weight: float = 0.5) -> float:
    z = torch.randn(real.size(0), LATENT)
    fake = G(z).detach()
    real = real.detach().requires_grad_(True)
    real_logits = D(real)
    fake_logits = D(fake)
    loss = criterion(real_logits, torch.ones_like(real_logits)) + \
        criterion(fake_logits, torch.zeros_like(fake_logits)) + \
        r1_weight * r1_penalty(real_logits, real)
    opt_d.zero_grad()
    loss.backward()
    opt_d.step()
    return loss.item()


def generator_step(G, D, opt_g, criterion, batch_size: int) -> float:
    z = torch.randn(batch_size, LATENT)
    logits = D(G(z))
    loss = criterion(logits, torch.ones_like(logits))
    opt_g.zero_grad()
    loss.backward()
    opt_g.step()
    return loss.item()


def mean_radius(points: torch.Tensor) -> float:
    return points.norm(dim=1).mean().item()


def run_gan() -> None:
    torch.manual_seed(4)
    G, D = Generator(), Discriminator()
    opt_g = torch.optim.Adam(G.parameters(), lr=1e-3, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=1e-3, betas=(0.5, 0.999))
    criterion = nn.BCEWithLogitsLoss()

    for step in range(80):
        real = ring_samples(32)
        d_loss = discriminator_step(G, D, opt_d, criterion, real)
        g_loss = generator_step(G, D, opt_g, criterion, 32)
        if step % 40 == 0:
            print(f"step {step}: D {d_loss:.3f}  G {g_loss:.3f}")

    G.eval()
    with torch.no_grad():
        samples = G(torch.randn(512, LATENT))
    print(f"mean radius of generated points: {mean_radius(samples):.2f} (target 2.0)")


def main() -> None:
    run_autoencoders()
    run_gan()


if __name__ == "__main__":
    main()
