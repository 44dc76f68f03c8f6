import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class MaskedMeanPool(nn.Module):
    def forward(self, x, mask):
        m = mask.unsqueeze(-1).float()
        return (x * m).sum(1) / m.sum(1).clamp(min=1.0)


class Encoder(nn.Module):
    def __init__(self, vocab, dim, n_layers=2):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim, padding_idx=0)
        layer = nn.TransformerEncoderLayer(dim, nhead=4, dim_feedforward=2 * dim, batch_first=True, dropout=0.0)
        self.enc = nn.TransformerEncoder(layer, n_layers, enable_nested_tensor=False)
        self.pool = MaskedMeanPool()

    def forward(self, ids, mask):
        h = self.enc(self.emb(ids), src_key_padding_mask=~mask)
        return self.pool(h, mask)


class PairScorer(nn.Module):
    """Siamese encoder: cosine similarity between two token sequences."""

    def __init__(self, vocab=100, dim=32):
        super().__init__()
        self.encoder = Encoder(vocab, dim)
        self.scale = nn.Parameter(torch.tensor(5.0))

    def encode(self, ids, mask):
        return F.normalize(self.encoder(ids), dim=-1)

    def forward(self, a_ids, a_mask, b_ids, b_mask):
        return self.scale * (self.encode(a_ids, a_mask) * self.encode(b_ids, b_mask)).sum(-1)


def random_batch(bs=8, max_len=12, vocab=100):
    lengths = torch.randint(4, max_len + 1, (bs,))
    mask = torch.arange(max_len)[None, :] < lengths[:, None]
    ids = torch.randint(1, vocab, (bs, max_len)) * mask
    return ids, mask


def main():
    model = PairScorer()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    for step in range(6):
        a_ids, a_mask = random_batch()
        b_ids, b_mask = a_ids.clone(), a_mask.clone()
        perm = torch.randperm(a_ids.size(0))
        neg_ids, neg_mask = a_ids[perm], a_mask[perm]
        pos = model(a_ids, a_mask, b_ids, b_mask)
        neg = model(a_ids, a_mask, neg_ids, neg_mask)
        loss = F.softplus(neg - pos).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        print(f"step {step} loss {loss.item():.4f}")

    model.eval()
    with torch.no_grad():
        q_ids, q_mask = random_batch(bs=4)
        emb = model.encode(q_ids, q_mask)
    assert emb.shape == (4, 32)
    assert torch.allclose(emb.norm(dim=-1), torch.ones(4), atol=1e-5)
    assert torch.isfinite(loss)
    print(f"RESULT loss={loss.item():.4f} emb_shape={tuple(emb.shape)}")


if __name__ == "__main__":
    main()
