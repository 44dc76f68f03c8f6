import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader
from torch.nn.utils.rnn import pad_sequence

torch.manual_seed(0)
np.random.seed(0)

VOCAB = ["<pad>", "<unk>", "good", "great", "fine", "bad", "awful", "poor", "movie", "plot", "the", "was"]
STOI = {w: i for i, w in enumerate(VOCAB)}
POS = {"good", "great", "fine"}


def synth_reviews(n=120):
    rng = np.random.default_rng(0)
    words = VOCAB[2:]
    reviews = []
    for _ in range(n):
        length = int(rng.integers(3, 9))
        toks = list(rng.choice(words, size=length))
        label = int(sum(t in POS for t in toks) > sum(t in {"bad", "awful", "poor"} for t in toks))
        reviews.append((" ".join(toks), label))
    return reviews


class ReviewDataset(Dataset):
    def __init__(self, reviews):
        self.items = []
        for text, label in reviews:
            ids = np.array([STOI.get(w, 1) for w in text.split()], dtype=np.float32)
            self.items.append((ids, label))

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        ids, label = self.items[i]
        return torch.from_numpy(ids), torch.tensor(label, dtype=torch.float32)


def collate(batch):
    seqs, labels = zip(*batch)
    lengths = torch.tensor([len(s) for s in seqs])
    return pad_sequence(seqs, batch_first=True, padding_value=0), lengths, torch.stack(labels)


class BagClassifier(nn.Module):
    def __init__(self, vocab_size, dim=16):
        super().__init__()
        self.emb = nn.Embedding(vocab_size, dim, padding_idx=0)
        self.out = nn.Linear(dim, 1)

    def forward(self, ids, lengths):
        e = self.emb(ids)
        pooled = e.sum(1) / lengths.unsqueeze(1).float()
        return self.out(pooled).squeeze(1)


def main():
    ds = ReviewDataset(synth_reviews())
    loader = DataLoader(ds, batch_size=16, shuffle=True, collate_fn=collate,
                        generator=torch.Generator().manual_seed(0))
    model = BagClassifier(len(VOCAB))
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    loss_fn = nn.BCEWithLogitsLoss()
    for epoch in range(8):
        for ids, lengths, labels in loader:
            loss = loss_fn(model(ids, lengths), labels)
            opt.zero_grad()
            loss.backward()
            opt.step()
    ids, lengths, labels = collate([ds[i] for i in range(len(ds))])
    with torch.no_grad():
        acc = ((model(ids, lengths) > 0).float() == labels).float().mean().item()
    assert ids.dtype == torch.int64
    assert torch.isfinite(loss) and acc > 0.8, acc
    print(f"RESULT loss={loss.item():.4f} acc={acc:.3f}")


if __name__ == "__main__":
    main()
