"""Embedding learning with a triplet margin loss and nearest-neighbour evaluation.

Embeddings are L2-normalised with F.normalize; distances for evaluation come
from torch.cdist on a small gallery, computed under no_grad in eval mode.
Triplets are mined per batch: the hardest positive and hardest negative per
anchor.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

N_CLASSES = 5
DIM_IN = 12


def clustered_points(n_per_class: int, generator: torch.Generator):
    centres = torch.randn(N_CLASSES, DIM_IN, generator=generator) * 3
    labels = torch.arange(N_CLASSES).repeat_interleave(n_per_class)
    points = centres[labels] + torch.randn(len(labels), DIM_IN, generator=generator)
    return points, labels


class Embedder(nn.Module):
    def __init__(self, dim_in: int = DIM_IN, dim_out: int = 8) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(dim_in, 32), nn.ReLU(), nn.Linear(32, dim_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.net(x), dim=1)


def hardest_triplet_loss(embeddings: torch.Tensor, labels: torch.Tensor, margin: float) -> torch.Tensor:
    distances = torch.cdist(embeddings, embeddings)
    same = labels.unsqueeze(0) == labels.unsqueeze(1)
    eye = torch.eye(len(labels), dtype=torch.bool)
    positive = distances.masked_fill(~same | eye, 0.0).max(dim=1).values
    negative = distances.masked_fill(same, float("inf")).min(dim=1).values
    return F.relu(positive - negative + margin).mean()


def info_nce(view_a: torch.Tensor, view_b: torch.Tensor, temperature: float = 0.2) -> torch.Tensor:
    """Each row of view_a should match the same row of view_b among all rows (SimCLR-style)."""
    logits = view_a @ view_b.T / temperature                 # cosine similarities, embeddings are unit norm
    targets = torch.arange(view_a.size(0))
    return 0.5 * (F.cross_entropy(logits, targets) + F.cross_entropy(logits.T, targets))


def jitter(x: torch.Tensor, generator: torch.Generator, scale: float = 0.3) -> torch.Tensor:
    return x + scale * torch.randn(x.shape, generator=generator)


@torch.no_grad()
def nearest_neighbour_accuracy(model: Embedder, gallery, queries) -> float:
    model.eval()
    g_x, g_y = gallery
    q_x, q_y = queries
    distances = torch.cdist(model(q_x), model(g_x))
    predicted = g_y[distances.argmin(dim=1)]
    return (predicted == q_y).float().mean().item()


def main() -> None:
    torch.manual_seed(15)
    generator = torch.Generator().manual_seed(15)
    train_x, train_y = clustered_points(40, generator)
    gallery = clustered_points(10, generator)
    queries = clustered_points(10, generator)

    model = Embedder()
    optimizer = torch.optim.Adam(model.parameters(), lr=5e-3)
    print(f"1-NN accuracy before training: {nearest_neighbour_accuracy(model, gallery, queries):.2f}")
    for epoch in range(10):
        model.train()
        order = torch.randperm(len(train_y), generator=generator)
        for idx in order.split(50):
            loss = hardest_triplet_loss(model(train_x[idx]), train_y[idx], margin=0.3)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    print(f"1-NN accuracy after training:  {nearest_neighbour_accuracy(model, gallery, queries):.2f}")

    contrastive = Embedder()
    optimizer = torch.optim.Adam(contrastive.parameters(), lr=5e-3)
    for epoch in range(10):
        contrastive.train()
        for idx in torch.randperm(len(train_y), generator=generator).split(50):
            batch = train_x[idx]
            loss = info_nce(contrastive(jitter(batch, generator)), contrastive(jitter(batch, generator)))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    accuracy = nearest_neighbour_accuracy(contrastive, gallery, queries)
    print(f"1-NN accuracy with label-free InfoNCE: {accuracy:.2f}")


if __name__ == "__main__":
    main()
