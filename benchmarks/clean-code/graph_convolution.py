"""Node classification with a two-layer graph convolutional network written with index_add_.

Edges are a [2, E] long tensor; messages are scattered into a fresh output
tensor (never in place into a tensor autograd still needs), and degrees are
computed once as a float buffer-like tensor passed to forward.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


def two_community_graph(n_per_side: int, p_in: float, p_out: float, generator: torch.Generator):
    """Stochastic block model with two communities; features are noisy community indicators."""
    n = 2 * n_per_side
    labels = torch.arange(n) // n_per_side
    same = labels.unsqueeze(0) == labels.unsqueeze(1)
    probs = torch.where(same, torch.tensor(p_in), torch.tensor(p_out))
    upper = torch.triu(torch.rand(n, n, generator=generator) < probs, diagonal=1)
    src, dst = upper.nonzero(as_tuple=True)
    edge_index = torch.cat([torch.stack([src, dst]), torch.stack([dst, src])], dim=1)
    features = F.one_hot(labels, 2).float() + 1.5 * torch.randn(n, 2, generator=generator)
    return features, edge_index, labels


def add_self_loops(edge_index: torch.Tensor, n: int) -> torch.Tensor:
    loops = torch.arange(n).repeat(2, 1)
    return torch.cat([edge_index, loops], dim=1)


def symmetric_norm(edge_index: torch.Tensor, n: int) -> torch.Tensor:
    """Weight 1/sqrt(deg(i) deg(j)) per edge."""
    degree = torch.zeros(n).index_add_(0, edge_index[1], torch.ones(edge_index.size(1)))
    inv_sqrt = degree.pow(-0.5)
    return inv_sqrt[edge_index[0]] * inv_sqrt[edge_index[1]]


class GraphConv(nn.Module):
    def __init__(self, in_dim: int, out_dim: int) -> None:
        super().__init__()
        self.linear = nn.Linear(in_dim, out_dim)

    def forward(self, x: torch.Tensor, edge_index: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        h = self.linear(x)
        messages = h[edge_index[0]] * weights.unsqueeze(1)
        return torch.zeros_like(h).index_add(0, edge_index[1], messages)


class MeanAggregatorConv(nn.Module):
    """GraphSAGE-style layer: concatenates a node's features with the mean of its neighbours'."""

    def __init__(self, in_dim: int, out_dim: int) -> None:
        super().__init__()
        self.linear = nn.Linear(2 * in_dim, out_dim)

    def forward(self, x: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        src, dst = edge_index
        summed = torch.zeros_like(x).index_add(0, dst, x[src])
        degree = torch.zeros(x.size(0), dtype=x.dtype).index_add(0, dst, torch.ones_like(dst, dtype=x.dtype))
        neighbour_mean = summed / degree.clamp(min=1.0).unsqueeze(1)
        return self.linear(torch.cat([x, neighbour_mean], dim=1))


class GCN(nn.Module):
    def __init__(self, in_dim: int, hidden: int, num_classes: int) -> None:
        super().__init__()
        self.conv1 = GraphConv(in_dim, hidden)
        self.conv2 = GraphConv(hidden, num_classes)
        self.dropout = nn.Dropout(0.3)

    def forward(self, x, edge_index, weights):
        h = F.relu(self.conv1(x, edge_index, weights))
        return self.conv2(self.dropout(h), edge_index, weights)


def main() -> None:
    torch.manual_seed(18)
    generator = torch.Generator().manual_seed(18)
    x, edges, labels = two_community_graph(40, p_in=0.2, p_out=0.01, generator=generator)
    n = x.size(0)
    edges = add_self_loops(edges, n)
    weights = symmetric_norm(edges, n)

    train_mask = torch.zeros(n, dtype=torch.bool)
    train_mask[torch.randperm(n, generator=generator)[:16]] = True
    test_mask = ~train_mask

    model = GCN(2, 16, 2)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.02, weight_decay=5e-4)
    for epoch in range(40):
        model.train()
        logits = model(x, edges, weights)
        loss = F.cross_entropy(logits[train_mask], labels[train_mask])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    model.eval()
    with torch.no_grad():
        predicted = model(x, edges, weights).argmax(1)
    feature_only = (x.argmax(1) == labels)[test_mask].float().mean().item()
    acc = (predicted == labels)[test_mask].float().mean().item()
    print(f"test accuracy {acc:.2f} (features alone: {feature_only:.2f}), {edges.size(1)} edges")

    sage = nn.ModuleList([MeanAggregatorConv(2, 16), MeanAggregatorConv(16, 2)])
    optimizer = torch.optim.Adam(sage.parameters(), lr=0.02)
    for epoch in range(40):
        logits = sage[1](F.relu(sage[0](x, edges)), edges)
        loss = F.cross_entropy(logits[train_mask], labels[train_mask])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        predicted = sage[1](F.relu(sage[0](x, edges)), edges).argmax(1)
    print(f"mean-aggregator accuracy {(predicted == labels)[test_mask].float().mean().item():.2f}")


if __name__ == "__main__":
    main()
