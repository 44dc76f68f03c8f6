import collections
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)

CORPUS = [
    ("the movie was great and fun", 1),
    ("a dull and boring film", 0),
    ("great acting and a fun plot", 1),
    ("boring plot and bad acting", 0),
    ("i loved the great music", 1),
    ("the film was bad and dull", 0),
    ("fun fun fun", 1),
    ("bad bad movie", 0),
]
SPECIALS = ["<pad>", "<unk>"]


class Vocab:
    def __init__(self, texts, min_freq=1):
        counts = collections.Counter(w for t in texts for w in t.split())
        words = sorted(w for w, c in counts.items() if c >= min_freq)
        self.itos = SPECIALS + words
        self.stoi = {w: i for i, w in enumerate(self.itos)}
        self.n_words = len(words)

    def encode(self, text, max_len):
        ids = [self.stoi.get(w, 1) for w in text.split()][:max_len]
        return ids + [0] * (max_len - len(ids))


class BagOfEmbeddings(nn.Module):
    def __init__(self, vocab_size, dim, n_classes):
        super().__init__()
        self.emb = nn.Embedding(vocab_size, dim, padding_idx=0)
        self.fc = nn.Linear(dim, n_classes)

    def forward(self, ids):
        mask = (ids != 0).float().unsqueeze(-1)
        e = self.emb(ids) * mask
        pooled = e.sum(1) / mask.sum(1).clamp(min=1)
        return self.fc(pooled)


def main():
    texts = [t for t, _ in CORPUS]
    vocab = Vocab(texts)
    max_len = 6
    x = torch.tensor([vocab.encode(t, max_len) for t in texts])
    y = torch.tensor([l for _, l in CORPUS])

    model = BagOfEmbeddings(vocab_size=vocab.n_words, dim=16, n_classes=2)
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    for step in range(30):
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 10 == 0:
            print(f"step {step} loss {loss.item():.4f}")

    test = ["a great fun movie", "a boring and awful film"]
    tx = torch.tensor([vocab.encode(t, max_len) for t in test])
    with torch.no_grad():
        probs = model(tx).softmax(-1)
    for t, p in zip(test, probs):
        print(f"{t!r}: positive={p[1].item():.3f}")


if __name__ == "__main__":
    main()
