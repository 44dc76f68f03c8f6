"""Collecting per-batch embeddings in a list and turning them into one tensor."""
import torch
import torch.nn as nn

torch.manual_seed(0)
encoder = nn.Sequential(nn.Linear(12, 8), nn.Tanh())
data = torch.randn(40, 12)


def embed_all(x, batch_size=10):
    outs = []
    with torch.no_grad():
        for i in range(0, len(x), batch_size):
            for row in encoder(x[i:i + batch_size]):
                outs.append(row)
    return torch.stack(outs)


embeddings = embed_all(data)
centroid = embeddings.mean(0)
dist = (embeddings - centroid).norm(dim=1)
outlier = int(dist.argmax())

assert embeddings.shape == (40, 8)
assert 0 <= outlier < 40
print(f"RESULT outlier={outlier} max_dist={dist.max().item():.4f}")
