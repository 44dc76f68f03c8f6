"""Set encoder for point clouds with padding: blocks stacked in nn.Sequential get a mask too."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)  # shared CPU box

torch.manual_seed(0)
MAX_POINTS, DIM, N_SHAPES = 24, 32, 2


class MaskedSetBlock(nn.Module):
    """DeepSets-style block: per-point MLP plus masked mean of the set."""

    def __init__(self, dim):
        super().__init__()
        self.local = nn.Linear(dim, dim)
        self.pooled = nn.Linear(dim, dim)

    def forward(self, x, mask):
        m = mask.unsqueeze(-1).float()
        mean = (x * m).sum(1, keepdim=True) / m.sum(1, keepdim=True)
        return F.relu(self.local(x) + self.pooled(mean)) * m


class PointSetClassifier(nn.Module):
    def __init__(self, depth=3):
        super().__init__()
        self.inp = nn.Linear(3, DIM)
        self.blocks = nn.Sequential(*[MaskedSetBlock(DIM) for _ in range(depth)])
        self.head = nn.Linear(DIM, N_SHAPES)

    def forward(self, points, mask):
        x = self.inp(points) * mask.unsqueeze(-1)
        x = self.blocks(x, mask)
        x = x.masked_fill(~mask.unsqueeze(-1), float("-inf")).max(dim=1).values
        return self.head(x)


def sample_clouds(batch, gen):
    """Class 0: points on a sphere; class 1: points in a flat disc. Variable point counts."""
    labels = torch.randint(0, N_SHAPES, (batch,), generator=gen)
    pts = torch.randn(batch, MAX_POINTS, 3, generator=gen)
    pts = pts / pts.norm(dim=-1, keepdim=True)
    pts[labels == 1, :, 2] *= 0.05
    counts = torch.randint(8, MAX_POINTS + 1, (batch,), generator=gen)
    mask = torch.arange(MAX_POINTS)[None] < counts[:, None]
    return pts * mask.unsqueeze(-1), mask, labels


gen = torch.Generator().manual_seed(0)
model = PointSetClassifier()
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
losses = []
for step in range(60):
    pts, mask, labels = sample_clouds(32, gen)
    loss = F.cross_entropy(model(pts, mask), labels)
    opt.zero_grad()
    loss.backward()
    opt.step()
    losses.append(loss.item())

pts, mask, labels = sample_clouds(200, gen)
with torch.no_grad():
    acc = (model(pts, mask).argmax(1) == labels).float().mean().item()
print(f"loss {losses[0]:.3f} -> {losses[-1]:.3f}, acc {acc:.3f}")
assert sum(losses[-5:]) < sum(losses[:5]) and acc > 0.9, acc
print(f"RESULT acc={acc:.3f} first={losses[0]:.4f} last={losses[-1]:.4f}")
