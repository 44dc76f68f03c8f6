"""Few-shot evaluation with a prototypical network (5-way, 3-shot episodes)."""
import argparse

import torch
import torch.nn as nn


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--fp16", action="store_true", help="halve memory for large episodes")
    p.add_argument("--ways", type=int, default=5)
    p.add_argument("--shots", type=int, default=3)
    p.add_argument("--queries", type=int, default=4)
    return p.parse_args(["--fp16"])


class ConvEmbedder(nn.Module):
    def __init__(self, out_dim=32):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
            nn.Flatten(), nn.Linear(32, out_dim),
        )

    def forward(self, x):
        return self.net(x)


def make_episode(ways, shots, queries, g):
    protos = torch.randn(ways, 1, 12, 12, generator=g)
    support = protos.repeat_interleave(shots, 0) + 0.3 * torch.randn(ways * shots, 1, 12, 12, generator=g)
    query = protos.repeat_interleave(queries, 0) + 0.3 * torch.randn(ways * queries, 1, 12, 12, generator=g)
    return support, query, torch.arange(ways).repeat_interleave(queries)


@torch.no_grad()
def classify(embedder, support, query, ways, shots):
    prototypes = embedder(support).view(ways, shots, -1).mean(1)
    dists = torch.cdist(embedder(query), prototypes)
    return dists.argmin(dim=1)


args = parse_args()
torch.manual_seed(0)
dtype = torch.float16 if args.fp16 else torch.float32
embedder = ConvEmbedder().to(dtype).eval()
g = torch.Generator().manual_seed(0)
accs = []
for episode in range(3):
    support, query, labels = make_episode(args.ways, args.shots, args.queries, g)
    pred = classify(embedder, support.to(dtype), query.to(dtype), args.ways, args.shots)
    accs.append((pred == labels).float().mean().item())
print(f"mean episode accuracy: {sum(accs) / len(accs):.3f}")
