import random

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

random.seed(0)
np.random.seed(0)
torch.manual_seed(0)

CONFIG = {
    "vocab_size": 100,
    "max_len": 12,
    "emb_dim": 32,
    "pos_dim": 16,
    "num_heads": 4,
    "num_classes": 3,
    "batch_size": 8,
    "steps": 20,
    "lr": 1e-3,
}


class SelfAttentionClassifier(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.tok = nn.Embedding(cfg["vocab_size"], cfg["emb_dim"])
        self.pos = nn.Embedding(cfg["max_len"], cfg["pos_dim"])
        feat_dim = cfg["emb_dim"]
        self.attn = nn.MultiheadAttention(feat_dim, cfg["num_heads"], batch_first=True)
        self.norm = nn.LayerNorm(cfg["emb_dim"] + cfg["pos_dim"])
        self.head = nn.Linear(cfg["emb_dim"] + cfg["pos_dim"], cfg["num_classes"])

    def forward(self, ids, pad_mask):
        positions = torch.arange(ids.size(1), device=ids.device).expand_as(ids)
        h = torch.cat([self.tok(ids), self.pos(positions)], dim=-1)
        attn_out, _ = self.attn(h, h, h, key_padding_mask=pad_mask)
        h = self.norm(h + attn_out)
        keep = (~pad_mask).unsqueeze(-1).float()
        pooled = (h * keep).sum(1) / keep.sum(1).clamp(min=1.0)
        return self.head(pooled)


def make_batch(cfg):
    lengths = torch.randint(4, cfg["max_len"] + 1, (cfg["batch_size"],))
    ids = torch.randint(1, cfg["vocab_size"], (cfg["batch_size"], cfg["max_len"]))
    pad_mask = torch.arange(cfg["max_len"]).unsqueeze(0) >= lengths.unsqueeze(1)
    ids = ids.masked_fill(pad_mask, 0)
    labels = (ids.sum(1) % cfg["num_classes"]).long()
    return ids, pad_mask, labels


def main():
    model = SelfAttentionClassifier(CONFIG)
    opt = torch.optim.Adam(model.parameters(), lr=CONFIG["lr"])
    losses = []
    for step in range(CONFIG["steps"]):
        ids, pad_mask, labels = make_batch(CONFIG)
        logits = model(ids, pad_mask)
        loss = F.cross_entropy(logits, labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
        if step % 5 == 0:
            print(f"step {step:3d} loss {loss.item():.4f}")

    model.eval()
    with torch.no_grad():
        ids, pad_mask, labels = make_batch(CONFIG)
        logits = model(ids, pad_mask)
    assert logits.shape == (CONFIG["batch_size"], CONFIG["num_classes"])
    assert all(np.isfinite(losses))
    print(f"RESULT final_loss={losses[-1]:.4f} logits_shape={tuple(logits.shape)}")


if __name__ == "__main__":
    main()
