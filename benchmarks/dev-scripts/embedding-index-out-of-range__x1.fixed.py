"""Tiny bag-of-embeddings sentiment model with a vocabulary built from a corpus."""
from collections import Counter

import torch
import torch.nn as nn
from torch.nn.utils.rnn import pad_sequence

CORPUS = [
    ("the movie was great and fun", 1),
    ("terrible plot and bad acting", 0),
    ("great acting great story", 1),
    ("boring and too long", 0),
    ("fun story with a great cast", 1),
    ("bad movie would not watch again", 0),
    ("what a fun ride", 1),
    ("long and boring plot", 0),
]
TEST = [("a great fun cast", 1), ("awful boring acting", 0)]


class Vocab:
    def __init__(self, texts, min_freq=1):
        counts = Counter(w for t in texts for w in t.split())
        words = sorted(w for w, c in counts.items() if c >= min_freq)
        self.pad_id = 0
        self.stoi = {w: i + 1 for i, w in enumerate(words)}
        self.unk_id = len(self.stoi) + 1

    def __len__(self):
        return len(self.stoi) + 2

    def encode(self, text):
        return torch.tensor([self.stoi.get(w, self.unk_id) for w in text.split()])


class BagModel(nn.Module):
    def __init__(self, vocab_size, dim, pad_id):
        super().__init__()
        self.emb = nn.Embedding(vocab_size, dim, padding_idx=pad_id)
        self.out = nn.Linear(dim, 2)
        self.pad_id = pad_id

    def forward(self, ids):
        mask = (ids != self.pad_id).unsqueeze(-1).float()
        h = (self.emb(ids) * mask).sum(1) / mask.sum(1).clamp(min=1)
        return self.out(h)


def batchify(pairs, vocab):
    ids = pad_sequence([vocab.encode(t) for t, _ in pairs], batch_first=True, padding_value=vocab.pad_id)
    return ids, torch.tensor([y for _, y in pairs])


def main():
    torch.manual_seed(0)
    vocab = Vocab([t for t, _ in CORPUS])
    model = BagModel(len(vocab), 16, vocab.pad_id)
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    x, y = batchify(CORPUS, vocab)
    for step in range(50):
        loss = nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()

    tx, ty = batchify(TEST, vocab)
    with torch.no_grad():
        pred = model(tx).argmax(1)
    assert pred.shape == ty.shape
    assert loss.item() < 0.1, loss.item()
    print(f"RESULT train_loss={loss.item():.4f} test_pred={pred.tolist()}")


if __name__ == "__main__":
    main()
