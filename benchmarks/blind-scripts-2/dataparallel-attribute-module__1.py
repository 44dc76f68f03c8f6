"""Siamese retrieval model: train on pairs, then index a gallery with the encoder."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class SiameseNet(nn.Module):
    def __init__(self, in_dim=16, emb_dim=8):
        super().__init__()
        self.backbone = nn.Sequential(nn.Linear(in_dim, 32), nn.ReLU(), nn.Linear(32, emb_dim))
        self.temperature = 0.1

    def encode(self, x):
        return F.normalize(self.backbone(x), dim=-1)

    def forward(self, a, b):
        za, zb = self.encode(a), self.encode(b)
        return za @ zb.T / self.temperature


def make_pairs(n=32, dim=16):
    base = torch.randn(n, dim)
    return base + 0.1 * torch.randn(n, dim), base + 0.1 * torch.randn(n, dim)


model = nn.DataParallel(SiameseNet())  # spreads batches over all visible GPUs, plain call on CPU
opt = torch.optim.Adam(model.parameters(), lr=3e-3)

for step in range(10):
    a, b = make_pairs()
    logits = model(a, b)
    loss = F.cross_entropy(logits, torch.arange(len(a)))
    opt.zero_grad()
    loss.backward()
    opt.step()
print(f"contrastive loss after training: {loss.item():.4f}")

gallery, queries = make_pairs(n=20)
with torch.no_grad():
    gallery_emb = model.encode(gallery)
    query_emb = model.encode(queries)
top1 = (query_emb @ gallery_emb.T).argmax(1)
print(f"retrieval top-1: {(top1 == torch.arange(20)).float().mean().item():.2f}")
