"""Text classification from raw strings: vocabulary, padding, Embedding, Conv1d.

The vocabulary reserves 0 for padding and 1 for unknown words, and the
Embedding is sized len(vocab) so every id it can receive is in range. Token
ids are long tensors; the [B, L, E] embedding output is transposed to
[B, E, L] before Conv1d and max-pooled over time.
"""
import random
from collections import Counter

import torch
import torch.nn as nn
import torch.nn.functional as F

PAD, UNK = "<pad>", "<unk>"
POSITIVE = ["great", "good", "lovely", "fun", "excellent", "enjoyed"]
NEGATIVE = ["bad", "boring", "awful", "dull", "poor", "hated"]
FILLER = ["the", "film", "was", "really", "a", "plot", "acting", "and", "it", "very"]


def make_reviews(n: int, rng: random.Random) -> list[tuple[str, int]]:
    reviews = []
    for _ in range(n):
        label = rng.randint(0, 1)
        words = rng.choices(FILLER, k=rng.randint(4, 10))
        words.insert(rng.randrange(len(words)), rng.choice(POSITIVE if label else NEGATIVE))
        reviews.append((" ".join(words), label))
    return reviews


class Vocabulary:
    def __init__(self, texts: list[str], min_count: int = 1) -> None:
        counts = Counter(word for text in texts for word in text.split())
        words = sorted(w for w, c in counts.items() if c >= min_count)
        self.itos = [PAD, UNK] + words
        self.stoi = {w: i for i, w in enumerate(self.itos)}

    def __len__(self) -> int:
        return len(self.itos)

    def encode(self, text: str) -> list[int]:
        unk = self.stoi[UNK]
        return [self.stoi.get(word, unk) for word in text.split()]


def encode_batch(vocab: Vocabulary, texts: list[str], min_len: int = 5) -> torch.Tensor:
    """Pads to the longest text (at least min_len, the widest kernel) with the pad id."""
    ids = [vocab.encode(t) for t in texts]
    width = max(min_len, max(len(i) for i in ids))
    batch = torch.full((len(ids), width), vocab.stoi[PAD], dtype=torch.long)
    for row, seq in enumerate(ids):
        batch[row, :len(seq)] = torch.tensor(seq, dtype=torch.long)
    return batch


class TextCNN(nn.Module):
    def __init__(self, vocab_size: int, emb_dim: int = 24, channels: int = 16,
                 kernel_sizes: tuple[int, ...] = (3, 4, 5), num_classes: int = 2) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, emb_dim, padding_idx=0)
        self.convs = nn.ModuleList(nn.Conv1d(emb_dim, channels, k) for k in kernel_sizes)
        self.dropout = nn.Dropout(0.2)
        self.fc = nn.Linear(channels * len(kernel_sizes), num_classes)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        x = self.embedding(ids).transpose(1, 2)                   # (B, E, L)
        pooled = [F.relu(conv(x)).amax(dim=2) for conv in self.convs]
        return self.fc(self.dropout(torch.cat(pooled, dim=1)))


def batches(data: list[tuple[str, int]], size: int, rng: random.Random):
    order = list(range(len(data)))
    rng.shuffle(order)
    for start in range(0, len(order), size):
        chunk = [data[i] for i in order[start:start + size]]
        texts, labels = zip(*chunk)
        yield list(texts), torch.tensor(labels, dtype=torch.long)


def main() -> None:
    rng = random.Random(25)
    torch.manual_seed(25)
    train, test = make_reviews(300, rng), make_reviews(100, rng)
    vocab = Vocabulary([text for text, _ in train])
    model = TextCNN(len(vocab))
    optimizer = torch.optim.Adam(model.parameters(), lr=5e-3)
    for epoch in range(3):
        model.train()
        for texts, labels in batches(train, 32, rng):
            loss = F.cross_entropy(model(encode_batch(vocab, texts)), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    model.eval()
    texts, labels = zip(*test)
    with torch.no_grad():
        predicted = model(encode_batch(vocab, list(texts))).argmax(1)
    acc = (predicted == torch.tensor(labels)).float().mean().item()
    print(f"vocabulary {len(vocab)} words, test accuracy {acc:.2f}")
    print("unseen words map to", vocab.encode("a zebra film"))


if __name__ == "__main__":
    main()
