import torch
import torch.nn as nn

MAX_LEN = 16


def causal_mask(n):
    return torch.triu(torch.full((n, n), float("-inf")), diagonal=1)


# precompute once for the longest sequence; slices are taken per batch
CAUSAL_MASK = causal_mask(MAX_LEN)


class TinyDecoder(nn.Module):
    def __init__(self, vocab=50, d=32, heads=4):
        super().__init__()
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Embedding(MAX_LEN, d)
        self.attn = nn.MultiheadAttention(d, heads, batch_first=True)
        self.ff = nn.Sequential(nn.LayerNorm(d), nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))
        self.out = nn.Linear(d, vocab)

    def forward(self, ids):
        n = ids.size(1)
        h = self.tok(ids) + self.pos(torch.arange(n))
        mask = CAUSAL_MASK[:n, :n]
        a, _ = self.attn(h, h, h, attn_mask=mask, need_weights=False)
        h = h + a
        return self.out(h + self.ff(h))


torch.manual_seed(0)
model = TinyDecoder()
ids = torch.randint(0, 50, (4, 12))
logits = model(ids[:, :-1])
loss = nn.functional.cross_entropy(logits.reshape(-1, 50), ids[:, 1:].reshape(-1))
loss.backward()
print("lm loss", loss.item())
assert logits.shape == (4, 11, 50) and torch.isfinite(loss)
print(f"RESULT causal decoder forward/backward ok, loss {loss.item():.4f}")
