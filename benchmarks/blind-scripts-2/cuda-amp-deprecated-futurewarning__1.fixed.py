"""Batch inference for a text-embedding model; AMP turned on automatically when a GPU is present."""
import torch
import torch.nn as nn
import torch.nn.functional as F

DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
USE_AMP = DEVICE == "cuda"
torch.manual_seed(0)


class MeanPoolEncoder(nn.Module):
    def __init__(self, vocab=200, dim=48):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim, padding_idx=0)
        self.ff = nn.Sequential(nn.Linear(dim, dim), nn.Tanh(), nn.Linear(dim, dim))

    @torch.amp.autocast("cuda", enabled=USE_AMP)
    def forward(self, ids):
        mask = (ids != 0).unsqueeze(-1).to(self.emb.weight.dtype)
        h = self.ff(self.emb(ids))
        pooled = (h * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        return F.normalize(pooled.float(), dim=-1)


def batched(seq, size):
    for i in range(0, len(seq), size):
        yield seq[i:i + size]


def embed_all(model, docs, batch_size=4):
    outs = []
    with torch.inference_mode():
        for chunk in batched(docs, batch_size):
            width = max(len(d) for d in chunk)
            ids = torch.tensor([d + [0] * (width - len(d)) for d in chunk], device=DEVICE)
            outs.append(model(ids).cpu())
    return torch.cat(outs)


docs = [[(7 * i + j) % 199 + 1 for j in range(3 + i % 5)] for i in range(10)]
model = MeanPoolEncoder().to(DEVICE).eval()
emb = embed_all(model, docs)
sims = emb @ emb.T
print("most similar to doc 0:", sims[0, 1:].argmax().item() + 1)
assert emb.shape == (10, 48) and torch.allclose(emb.norm(dim=1), torch.ones(10), atol=1e-5)
print(f"RESULT embeddings={tuple(emb.shape)}")
