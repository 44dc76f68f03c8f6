"""Causal self-attention language model with padding, trained on toy sequences."""
from dataclasses import dataclass
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)  # shared CPU box

torch.manual_seed(0)


@dataclass
class Config:
    vocab: int = 100
    d_model: int = 32
    heads: int = 4
    max_len: int = 12
    batch: int = 8
    steps: int = 30
    pad_id: int = 0


def build_masks(lengths, seq_len, num_heads):
    """Combine a causal mask with key padding into one float attention mask."""
    causal = torch.triu(torch.ones(seq_len, seq_len, dtype=torch.bool), diagonal=1)
    pad = torch.arange(seq_len)[None, :] >= lengths[:, None]          # [B, T]
    blocked = causal[None, :, :] | pad[:, None, :]                    # [B, T, T]
    blocked[:, torch.arange(seq_len), torch.arange(seq_len)] = False  # keep the diagonal
    mask = torch.zeros(blocked.shape).masked_fill(blocked, float("-inf"))
    return mask


class TinyLM(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.tok = nn.Embedding(cfg.vocab, cfg.d_model, padding_idx=cfg.pad_id)
        self.pos = nn.Embedding(cfg.max_len, cfg.d_model)
        self.attn = nn.MultiheadAttention(cfg.d_model, cfg.heads, batch_first=True)
        self.ff = nn.Sequential(nn.Linear(cfg.d_model, 64), nn.GELU(), nn.Linear(64, cfg.d_model))
        self.out = nn.Linear(cfg.d_model, cfg.vocab)

    def forward(self, ids, lengths):
        T = ids.size(1)
        x = self.tok(ids) + self.pos(torch.arange(T))[None]
        mask = build_masks(lengths, T, self.cfg.heads)
        a, _ = self.attn(x, x, x, attn_mask=mask, need_weights=False)
        x = x + a
        x = x + self.ff(x)
        return self.out(x)


def sample_batch(cfg, gen):
    lengths = torch.randint(4, cfg.max_len + 1, (cfg.batch,), generator=gen)
    start = torch.randint(1, cfg.vocab - cfg.max_len, (cfg.batch, 1), generator=gen)
    ids = (start + torch.arange(cfg.max_len)[None]) % cfg.vocab  # counting sequences
    ids = ids.masked_fill(torch.arange(cfg.max_len)[None] >= lengths[:, None], cfg.pad_id)
    return ids, lengths


cfg = Config()
model = TinyLM(cfg)
opt = torch.optim.AdamW(model.parameters(), lr=5e-3)
gen = torch.Generator().manual_seed(123)
losses = []
for step in range(cfg.steps):
    ids, lengths = sample_batch(cfg, gen)
    logits = model(ids[:, :-1], lengths - 1)
    target = ids[:, 1:].clone()
    loss = F.cross_entropy(logits.reshape(-1, cfg.vocab), target.reshape(-1), ignore_index=cfg.pad_id)
    opt.zero_grad()
    loss.backward()
    opt.step()
    losses.append(loss.item())

print(f"loss {losses[0]:.3f} -> {losses[-1]:.3f}")
assert all(map(lambda v: v == v, losses)), "NaN loss"
assert sum(losses[-5:]) / 5 < sum(losses[:5]) / 5
print(f"RESULT first={losses[0]:.4f} last={losses[-1]:.4f} steps={len(losses)}")
