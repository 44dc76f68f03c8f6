"""Token-level tagging model with a learned CLS token; loss only on non-pad tokens."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
PAD = 0
VOCAB, TAGS, DIM = 50, 5, 16


def make_batch(batch_size=4, max_len=10):
    lengths = torch.randint(4, max_len + 1, (batch_size,))
    ids = torch.full((batch_size, max_len), PAD, dtype=torch.long)
    tags = torch.full((batch_size, max_len), -1, dtype=torch.long)
    for i, n in enumerate(lengths.tolist()):
        ids[i, :n] = torch.randint(1, VOCAB, (n,))
        tags[i, :n] = torch.randint(0, TAGS, (n,))
    return ids, tags


class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(VOCAB, DIM, padding_idx=PAD)
        self.cls = nn.Parameter(torch.randn(1, 1, DIM) * 0.02)
        layer = nn.TransformerEncoderLayer(DIM, nhead=2, dim_feedforward=32, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=1)
        self.out = nn.Linear(DIM, TAGS)

    def forward(self, ids):
        x = self.emb(ids)
        cls = self.cls.expand(x.size(0), -1, -1)
        x = torch.cat([cls, x], dim=1)
        pad = torch.cat([torch.zeros(ids.size(0), 1, dtype=torch.bool), ids == PAD], dim=1)
        h = self.encoder(x, src_key_padding_mask=pad)
        return self.out(h)


def token_loss(logits, ids, tags):
    valid = ids != PAD
    return F.cross_entropy(logits[:, 1:][valid], tags[valid])


def main():
    model = Tagger()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    losses = []
    for step in range(20):
        ids, tags = make_batch()
        logits = model(ids)
        loss = token_loss(logits, ids, tags)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    print(f"first {losses[0]:.3f} last {losses[-1]:.3f}")
    return model, losses


if __name__ == "__main__":
    model, losses = main()
    ids, tags = make_batch()
    assert model(ids).shape == (4, 11, TAGS)
    assert all(torch.isfinite(torch.tensor(losses)))
    print(f"RESULT ok last_loss={losses[-1]:.4f}")
