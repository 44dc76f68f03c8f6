import math
import torch
import torch.nn as nn
import torch.nn.functional as F

CFG = dict(vocab=40, d_model=32, n_heads=4, d_ff=64, n_layers=2, max_len=16, n_classes=3)


class SelfAttention(nn.Module):
    def __init__(self, d_model, n_heads):
        super().__init__()
        self.n_heads = n_heads
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.proj = nn.Linear(d_model, d_model)

    def forward(self, x, key_padding_mask):
        b, t, d = x.shape
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        q, k, v = (z.view(b, t, self.n_heads, d // self.n_heads).transpose(1, 2) for z in (q, k, v))
        att = q @ k.transpose(-2, -1) / math.sqrt(d // self.n_heads)
        att = att.masked_fill(key_padding_mask[:, None, None, :], float("-inf"))
        out = att.softmax(-1) @ v
        return self.proj(out.transpose(1, 2).reshape(b, t, d))


class EncoderLayer(nn.Module):
    def __init__(self, d_model, n_heads, d_ff):
        super().__init__()
        self.ln1 = nn.LayerNorm(d_model)
        self.attn = SelfAttention(d_model, n_heads)
        self.ln2 = nn.LayerNorm(d_model)
        self.ff = nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, d_model))

    def forward(self, x, key_padding_mask):
        x = x + self.attn(self.ln1(x), key_padding_mask)
        x = x + self.ff(self.ln2(x))
        return x


class Classifier(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.tok = nn.Embedding(cfg["vocab"], cfg["d_model"], padding_idx=0)
        self.pos = nn.Embedding(cfg["max_len"], cfg["d_model"])
        self.layers = nn.ModuleList(
            EncoderLayer(cfg["d_model"], cfg["n_heads"], cfg["d_ff"]) for _ in range(cfg["n_layers"]))
        self.head = nn.Linear(cfg["d_model"], cfg["n_classes"])

    def forward(self, ids):
        pad = ids == 0
        x = self.tok(ids) + self.pos(torch.arange(ids.shape[1]))
        for layer in self.layers:
            x = layer(x, pad)
        keep = (~pad).unsqueeze(-1).float()
        return self.head((x * keep).sum(1) / keep.sum(1))


def synthetic_batch(n, gen):
    lengths = torch.randint(4, CFG["max_len"] + 1, (n,), generator=gen)
    ids = torch.randint(1, CFG["vocab"], (n, CFG["max_len"]), generator=gen)
    ids[torch.arange(CFG["max_len"])[None, :] >= lengths[:, None]] = 0
    labels = (ids.sum(1) % CFG["n_classes"])
    return ids, labels


def main():
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    model = Classifier(CFG)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
    for step in range(10):
        ids, labels = synthetic_batch(16, gen)
        loss = F.cross_entropy(model(ids), labels)
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        print(f"step {step} loss {loss.item():.4f}")
    ids, _ = synthetic_batch(5, gen)
    with torch.no_grad():
        logits = model(ids)
    assert logits.shape == (5, CFG["n_classes"])
    assert torch.isfinite(logits).all() and torch.isfinite(loss)
    print(f"RESULT loss={loss.item():.4f} logits_shape={tuple(logits.shape)}")


if __name__ == "__main__":
    main()
