import random
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

random.seed(8)
np.random.seed(8)
torch.manual_seed(8)


@dataclass
class ViTConfig:
    image_size: int = 16
    patch_size: int = 4
    in_chans: int = 3
    dim: int = 64
    depth: int = 2
    heads: int = 4
    num_classes: int = 5


class PatchEmbed(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.p = cfg.patch_size
        patch_dim = cfg.patch_size * cfg.patch_size * cfg.in_chans
        self.proj = nn.Linear(patch_dim, cfg.dim)
        self.norm = nn.LayerNorm(cfg.dim)

    def forward(self, x):
        b, c, h, w = x.shape
        x = x.unfold(2, self.p, self.p).unfold(3, self.p, self.p)
        x = x.permute(0, 2, 3, 1, 4, 5).reshape(b, -1, c * self.p * self.p)
        return self.norm(self.proj(x))


class TinyViT(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        n_patches = (cfg.image_size // cfg.patch_size) ** 2
        self.embed = PatchEmbed(cfg)
        self.cls = nn.Parameter(torch.zeros(1, 1, cfg.dim))
        self.pos = nn.Parameter(torch.randn(1, n_patches + 1, cfg.dim) * 0.02)
        layer = nn.TransformerEncoderLayer(cfg.dim, cfg.heads, dim_feedforward=2 * cfg.dim,
                                           batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, cfg.depth, enable_nested_tensor=False)
        self.head = nn.Sequential(nn.LayerNorm(cfg.dim), nn.Linear(cfg.dim, cfg.num_classes))

    def forward(self, x):
        tokens = self.embed(x)
        tokens = torch.cat([self.cls.expand(x.size(0), -1, -1), tokens], dim=1) + self.pos
        return self.head(self.encoder(tokens)[:, 0])


def main():
    cfg = ViTConfig()
    model = TinyViT(cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
    g = torch.Generator().manual_seed(8)
    prototypes = torch.randn(cfg.num_classes, cfg.in_chans, cfg.image_size, cfg.image_size, generator=g)
    for step in range(25):
        labels = torch.randint(0, cfg.num_classes, (16,), generator=g)
        images = prototypes[labels] + 0.5 * torch.randn(16, cfg.in_chans, cfg.image_size,
                                                        cfg.image_size, generator=g)
        logits = model(images)
        loss = F.cross_entropy(logits, labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 5 == 0:
            print(f"step {step} loss {loss.item():.4f}")

    assert logits.shape == (16, cfg.num_classes)
    assert torch.isfinite(loss)
    acc = (logits.argmax(1) == labels).float().mean().item()
    print(f"RESULT loss={loss.item():.4f} batch_acc={acc:.2f}")


if __name__ == "__main__":
    main()
