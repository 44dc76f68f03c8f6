"""Review sentiment classifier: custom Dataset + padding collate + GRU encoder."""
import random

import torch
import torch.nn as nn
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import DataLoader, Dataset

random.seed(0)
torch.manual_seed(0)

VOCAB = 300
PAD = 0
N_CLASSES = 3


class ReviewDataset(Dataset):
    """Synthetic reviews: class k uses tokens from its own band of the vocabulary."""

    def __init__(self, n=160):
        rng = random.Random(1)
        self.items = []
        for _ in range(n):
            label = rng.randrange(N_CLASSES)
            length = rng.randint(5, 14)
            lo = 1 + label * 90
            toks = [rng.randint(lo, lo + 89) for _ in range(length)]
            self.items.append((torch.tensor(toks), label))

    def __len__(self):
        return len(self.items)

    def __getitem__(self, idx):
        return self.items[idx]


def collate_reviews(batch):
    seqs, labels = zip(*batch)
    lengths = torch.tensor([len(s) for s in seqs])
    padded = pad_sequence(seqs, batch_first=True, padding_value=PAD)
    return padded, lengths, torch.tensor(labels)


class GRUClassifier(nn.Module):
    def __init__(self, vocab, emb_dim=32, hidden=48, n_classes=N_CLASSES):
        super().__init__()
        self.n_classes = n_classes
        self.emb = nn.Embedding(vocab, emb_dim, padding_idx=PAD)
        self.gru = nn.GRU(emb_dim, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, n_classes)

    def forward(self, tokens, lengths):
        emb = self.emb(tokens)
        out, h_n = self.gru(emb)
        logits = self.fc(h_n[-1])
        return logits


ds = ReviewDataset()
loader = DataLoader(ds, batch_size=16, shuffle=True, collate_fn=collate_reviews)
model = GRUClassifier(VOCAB)
opt = torch.optim.Adam(model.parameters(), lr=5e-3)
criterion = nn.CrossEntropyLoss()

epoch_loss = []
for epoch in range(3):
    total, count = 0.0, 0
    for tokens, lengths, labels in loader:
        logits = model(tokens, lengths)
        loss = criterion(logits, labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item()
        count += 1
    epoch_loss.append(total / count)
    print(f"epoch {epoch} loss {epoch_loss[-1]:.4f}")

assert count == len(ds) // 16
assert logits.shape == (labels.shape[0], N_CLASSES)
assert epoch_loss[-1] < epoch_loss[0]
print(f"RESULT loss_first={epoch_loss[0]:.4f} loss_last={epoch_loss[-1]:.4f} batches={count}")
