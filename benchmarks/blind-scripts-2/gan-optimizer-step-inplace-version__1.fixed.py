"""1-D GAN: learn to sample from N(3, 0.5) with tiny MLPs."""
import torch
import torch.nn as nn

torch.manual_seed(0)
LATENT, BATCH, STEPS = 4, 32, 5


def real_samples(n):
    return 3.0 + 0.5 * torch.randn(n, 1)


generator = nn.Sequential(nn.Linear(LATENT, 16), nn.ReLU(), nn.Linear(16, 1))
discriminator = nn.Sequential(nn.Linear(1, 16), nn.LeakyReLU(0.2), nn.Linear(16, 1))
g_opt = torch.optim.Adam(generator.parameters(), lr=2e-3, betas=(0.5, 0.999))
d_opt = torch.optim.Adam(discriminator.parameters(), lr=2e-3, betas=(0.5, 0.999))
bce = nn.BCEWithLogitsLoss()
ones, zeros = torch.ones(BATCH, 1), torch.zeros(BATCH, 1)

for step in range(STEPS):
    z = torch.randn(BATCH, LATENT)
    fake = generator(z)

    # discriminator update (fake samples detached: D's step must not touch G's graph)
    d_loss = bce(discriminator(real_samples(BATCH)), ones) + bce(discriminator(fake.detach()), zeros)
    d_opt.zero_grad()
    d_loss.backward()
    d_opt.step()

    # generator update with a fresh pass through the updated discriminator
    g_loss = bce(discriminator(fake), ones)
    g_opt.zero_grad()
    g_loss.backward()
    g_opt.step()
    print(f"step {step}: d_loss {d_loss.item():.4f} g_loss {g_loss.item():.4f}")

with torch.no_grad():
    samples = generator(torch.randn(1000, LATENT))
print(f"generated mean {samples.mean().item():.3f} std {samples.std().item():.3f}")
assert torch.isfinite(samples).all() and samples.shape == (1000, 1)
print(f"RESULT d_loss={d_loss.item():.4f} g_loss={g_loss.item():.4f}")
