"""Sentiment classifier: tokenise, pad to a fixed length, classify with a bag of embeddings."""
import torch
import torch.nn as nn

torch.manual_seed(0)

TEXTS = [
    ("what a great little movie", 1), ("boring and far too long", 0),
    ("i loved the music and the cast", 1), ("the plot made no sense at all", 0),
    ("great cast great music", 1), ("too long and boring", 0),
]
MAX_LEN = 8


def build_vocab(texts):
    vocab = {"<pad>": 0, "<unk>": 1}
    for text, _ in texts:
        for tok in text.split():
            vocab.setdefault(tok, len(vocab))
    return vocab


def encode(texts, vocab):
    batch = torch.zeros(len(texts), MAX_LEN, dtype=torch.long)
    for row, (text, _) in enumerate(texts):
        ids = [vocab.get(t, 1) for t in text.split()][:MAX_LEN]
        batch[row, : len(ids)] = torch.tensor(ids)
    labels = torch.tensor([lab for _, lab in texts])
    return batch, labels


class BagClassifier(nn.Module):
    def __init__(self, vocab_size, dim=16):
        super().__init__()
        self.emb = nn.Embedding(vocab_size, dim, padding_idx=0)
        self.out = nn.Linear(dim, 2)

    def forward(self, ids):
        mask = (ids != 0).unsqueeze(-1)
        pooled = (self.emb(ids) * mask).sum(1) / mask.sum(1).clamp(min=1)
        return self.out(pooled)


vocab = build_vocab(TEXTS)
x, y = encode(TEXTS, vocab)
model = BagClassifier(len(vocab))
opt = torch.optim.Adam(model.parameters(), lr=0.05)
for step in range(50):
    opt.zero_grad()
    loss = nn.functional.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
acc = (model(x).argmax(1) == y).float().mean().item()
print(f"final loss {loss.item():.4f} train acc {acc:.2f}")
assert x.dtype == torch.long and acc == 1.0
print(f"RESULT loss={loss.item():.4f} acc={acc:.2f}")
