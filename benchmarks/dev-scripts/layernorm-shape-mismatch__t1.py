import random

import numpy as np
import torch
import torch.nn as nn


def seed_all(seed=0):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


class PatchEmbed(nn.Module):
    def __init__(self, img_size, patch, in_ch, dim):
        super().__init__()
        self.proj = nn.Conv2d(in_ch, dim, kernel_size=patch, stride=patch)
        self.n_patches = (img_size // patch) ** 2

    def forward(self, x):
        return self.proj(x).flatten(2)


class TinyViT(nn.Module):
    def __init__(self, img_size=16, patch=4, in_ch=3, dim=32, depth=2, heads=4, n_classes=5):
        super().__init__()
        self.patch_embed = PatchEmbed(img_size, patch, in_ch, dim)
        self.pos = nn.Parameter(torch.zeros(1, self.patch_embed.n_patches, dim))
        self.norm_in = nn.LayerNorm(dim)
        layer = nn.TransformerEncoderLayer(dim, heads, dim_feedforward=2 * dim, batch_first=True, dropout=0.0)
        self.encoder = nn.TransformerEncoder(layer, depth)
        self.head = nn.Linear(dim, n_classes)

    def forward(self, x):
        tokens = self.patch_embed(x)
        tokens = self.norm_in(tokens)
        tokens = tokens.transpose(1, 2) + self.pos
        tokens = self.encoder(tokens)
        return self.head(tokens.mean(1))


def main():
    seed_all(0)
    model = TinyViT()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    images = torch.randn(24, 3, 16, 16)
    labels = torch.randint(0, 5, (24,))
    losses = []
    for step in range(10):
        logits = model(images)
        loss = nn.functional.cross_entropy(logits, labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert logits.shape == (24, 5)
    assert np.isfinite(losses).all()
    print(f"RESULT first_loss={losses[0]:.4f} last_loss={losses[-1]:.4f}")


if __name__ == "__main__":
    main()
