"""Character-level sentiment classifier with a hand-written padding collate function."""
import random
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

random.seed(0)
torch.manual_seed(0)

POS = ["great movie", "loved it", "wonderful acting and story", "fun", "really good film overall"]
NEG = ["boring", "hated it", "terrible plot and weak acting", "bad", "a complete waste of time"]
CHARS = sorted(set("".join(POS + NEG)))
STOI = {c: i + 1 for i, c in enumerate(CHARS)}


class Reviews(Dataset):
    def __init__(self, n=64):
        self.items = [(random.choice(POS), 1) if i % 2 else (random.choice(NEG), 0) for i in range(n)]

    def __len__(self):
        return len(self.items)

    def __getitem__(self, idx):
        text, label = self.items[idx]
        ids = torch.tensor([STOI[c] for c in text], dtype=torch.long)
        return ids, label


def pad_collate(batch):
    lengths = torch.tensor([len(ids) for ids, _ in batch])
    max_len = int(lengths.max())
    padded = torch.zeros(len(batch), max_len, dtype=torch.long)
    for i, (ids, _) in enumerate(batch):
        padded[i, :max_len] = ids
    labels = torch.tensor([y for _, y in batch])
    return padded, lengths, labels


class CharGRU(nn.Module):
    def __init__(self, vocab, dim=16):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim, padding_idx=0)
        self.gru = nn.GRU(dim, dim, batch_first=True)
        self.fc = nn.Linear(dim, 2)

    def forward(self, ids, lengths):
        packed = nn.utils.rnn.pack_padded_sequence(
            self.emb(ids), lengths, batch_first=True, enforce_sorted=False)
        _, h = self.gru(packed)
        return self.fc(h[-1])


def main():
    loader = DataLoader(Reviews(), batch_size=8, shuffle=True, collate_fn=pad_collate)
    model = CharGRU(len(STOI) + 1)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(4):
        correct = 0
        for ids, lengths, labels in loader:
            logits = model(ids, lengths)
            loss = loss_fn(logits, labels)
            opt.zero_grad()
            loss.backward()
            opt.step()
            correct += (logits.argmax(1) == labels).sum().item()
        print(f"epoch {epoch} loss {loss.item():.4f} acc {correct / 64:.2f}")
    return loss.item(), correct / 64


if __name__ == "__main__":
    main()
