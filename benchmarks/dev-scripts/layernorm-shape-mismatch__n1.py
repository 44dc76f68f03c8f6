"""Tiny pre-norm transformer encoder for token classification, configured by a dataclass."""
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


@dataclass
class EncoderConfig:
    vocab_size: int = 500
    d_model: int = 96
    n_heads: int = 4
    ff_dim: int = 384
    n_layers: int = 2
    n_tags: int = 7
    max_len: int = 32
    dropout: float = 0.0


class FeedForward(nn.Module):
    def __init__(self, cfg: EncoderConfig):
        super().__init__()
        self.fc1 = nn.Linear(cfg.d_model, cfg.ff_dim)
        self.fc2 = nn.Linear(cfg.ff_dim, cfg.d_model)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x)))


class EncoderBlock(nn.Module):
    def __init__(self, cfg: EncoderConfig):
        super().__init__()
        self.norm_attn = nn.LayerNorm(cfg.d_model)
        self.attn = nn.MultiheadAttention(cfg.d_model, cfg.n_heads, dropout=cfg.dropout, batch_first=True)
        self.norm_ff = nn.LayerNorm(cfg.ff_dim)
        self.ff = FeedForward(cfg)

    def forward(self, x, pad_mask):
        h = self.norm_attn(x)
        attn_out, _ = self.attn(h, h, h, key_padding_mask=pad_mask, need_weights=False)
        x = x + attn_out
        x = x + self.ff(self.norm_ff(x))
        return x


class Tagger(nn.Module):
    def __init__(self, cfg: EncoderConfig):
        super().__init__()
        self.tok = nn.Embedding(cfg.vocab_size, cfg.d_model, padding_idx=0)
        self.pos = nn.Embedding(cfg.max_len, cfg.d_model)
        self.blocks = nn.ModuleList([EncoderBlock(cfg) for _ in range(cfg.n_layers)])
        self.head = nn.Linear(cfg.d_model, cfg.n_tags)

    def forward(self, ids):
        pad_mask = ids.eq(0)
        pos = torch.arange(ids.size(1)).unsqueeze(0)
        x = self.tok(ids) + self.pos(pos)
        for blk in self.blocks:
            x = blk(x, pad_mask)
        return self.head(x)


cfg = EncoderConfig()
model = Tagger(cfg)
opt = torch.optim.AdamW(model.parameters(), lr=2e-3)

batch, seq = 8, 20
ids = torch.randint(1, cfg.vocab_size, (batch, seq))
ids[:, 15:] = 0  # padding
tags = (ids % cfg.n_tags).masked_fill(ids.eq(0), -100)

losses = []
for step in range(12):
    logits = model(ids)
    loss = F.cross_entropy(logits.reshape(-1, cfg.n_tags), tags.reshape(-1), ignore_index=-100)
    opt.zero_grad()
    loss.backward()
    opt.step()
    losses.append(loss.item())

assert logits.shape == (batch, seq, cfg.n_tags)
assert torch.isfinite(torch.tensor(losses)).all()
assert losses[-1] < losses[0]
print(f"RESULT loss0={losses[0]:.4f} loss_last={losses[-1]:.4f} shape={tuple(logits.shape)}")
