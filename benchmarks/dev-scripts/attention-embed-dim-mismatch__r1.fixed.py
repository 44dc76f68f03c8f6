"""Tiny self-attention encoder for token classification.
Token embeddings get learned position features concatenated to them."""
import argparse
import torch
import torch.nn as nn

parser = argparse.ArgumentParser()
parser.add_argument("--vocab", type=int, default=200)
parser.add_argument("--d-model", type=int, default=64)
parser.add_argument("--pos-dim", type=int, default=16)
parser.add_argument("--heads", type=int, default=4)
parser.add_argument("--max-len", type=int, default=32)
args = parser.parse_args([])

torch.manual_seed(0)


class Encoder(nn.Module):
    def __init__(self, a, n_tags=5):
        super().__init__()
        self.tok = nn.Embedding(a.vocab, a.d_model)
        self.pos = nn.Embedding(a.max_len, a.pos_dim)
        # attention sees the concatenated features, so its embed_dim is d_model + pos_dim
        self.attn = nn.MultiheadAttention(a.d_model + a.pos_dim, a.heads, batch_first=True)
        self.norm = nn.LayerNorm(a.d_model + a.pos_dim)
        self.tagger = nn.Linear(a.d_model + a.pos_dim, n_tags)

    def forward(self, ids, pad_mask):
        positions = torch.arange(ids.size(1)).expand_as(ids)
        h = torch.cat([self.tok(ids), self.pos(positions)], dim=-1)
        ctx, _ = self.attn(h, h, h, key_padding_mask=pad_mask)
        return self.tagger(self.norm(h + ctx))


ids = torch.randint(1, args.vocab, (4, 12))
ids[2:, 9:] = 0
pad_mask = ids == 0
tags = torch.randint(0, 5, (4, 12))

model = Encoder(args)
opt = torch.optim.AdamW(model.parameters(), lr=3e-4)
for it in range(3):
    logits = model(ids, pad_mask)
    loss = nn.functional.cross_entropy(logits[~pad_mask], tags[~pad_mask])
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(it, round(loss.item(), 4))

assert logits.shape == (4, 12, 5)
assert torch.isfinite(loss)
print(f"RESULT logits={tuple(logits.shape)} loss={loss.item():.4f}")
