import math
import random

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

torch.manual_seed(0)
random.seed(0)
np.random.seed(0)

PAD = 0
VOCAB = 50


class ToySeqDataset(Dataset):
    def __init__(self, n=32):
        self.items = []
        for _ in range(n):
            length = random.randint(3, 9)
            toks = [random.randint(1, VOCAB - 1) for _ in range(length)]
            self.items.append((toks, int(sum(toks) % 2)))

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i]


def collate(batch):
    max_len = max(len(t) for t, _ in batch)
    ids = torch.full((len(batch), max_len), PAD, dtype=torch.long)
    for i, (toks, _) in enumerate(batch):
        ids[i, : len(toks)] = torch.tensor(toks)
    labels = torch.tensor([y for _, y in batch])
    pad_mask = ids == PAD
    return ids, pad_mask, labels


class AttnClassifier(nn.Module):
    def __init__(self, d_model=32, nhead=4):
        super().__init__()
        self.emb = nn.Embedding(VOCAB, d_model, padding_idx=PAD)
        self.attn = nn.MultiheadAttention(d_model, nhead, batch_first=True)
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, 2)

    def forward(self, ids, pad_mask):
        x = self.emb(ids) * math.sqrt(self.emb.embedding_dim)
        h, _ = self.attn(x, x, x, key_padding_mask=pad_mask)
        h = self.norm(x + h)
        keep = (~pad_mask).unsqueeze(-1).float()
        pooled = (h * keep).sum(1) / keep.sum(1)
        return self.head(pooled)


def main():
    loader = DataLoader(ToySeqDataset(), batch_size=8, shuffle=True, collate_fn=collate)
    model = AttnClassifier()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    losses = []
    for epoch in range(2):
        for ids, pad_mask, labels in loader:
            logits = model(ids, pad_mask)
            loss = loss_fn(logits, labels)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
    assert logits.shape == (labels.shape[0], 2)
    assert all(math.isfinite(l) for l in losses)
    print(f"RESULT steps={len(losses)} last_loss={losses[-1]:.4f}")


if __name__ == "__main__":
    main()
