import string
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import Dataset, DataLoader

torch.manual_seed(0)

ALPHABET = string.ascii_lowercase
PAD = 0
CHAR2ID = {c: i + 1 for i, c in enumerate(ALPHABET)}


def make_words(n, gen):
    words, labels = [], []
    for _ in range(n):
        length = int(torch.randint(3, 9, (1,), generator=gen))
        ids = torch.randint(0, 26, (length,), generator=gen)
        word = "".join(ALPHABET[i] for i in ids)
        words.append(word)
        labels.append(int(sum(c in "aeiou" for c in word) * 2 > length))
    return words, labels


class WordDataset(Dataset):
    def __init__(self, words, labels):
        self.words = words
        self.labels = labels

    def __len__(self):
        return len(self.words)

    def __getitem__(self, idx):
        ids = torch.tensor([CHAR2ID[c] for c in self.words[idx]], dtype=torch.long)
        return ids, torch.tensor(self.labels[idx], dtype=torch.float32)


def collate(batch):
    seqs, labels = zip(*batch)
    lengths = torch.tensor([len(s) for s in seqs])
    return pad_sequence(seqs, batch_first=True, padding_value=PAD), lengths, torch.stack(labels)


class CharGRU(nn.Module):
    def __init__(self, vocab, d_emb=16, d_hid=32):
        super().__init__()
        self.emb = nn.Embedding(vocab, d_emb, padding_idx=PAD)
        self.gru = nn.GRU(d_emb, d_hid, batch_first=True)
        self.out = nn.Linear(d_hid, 1)

    def forward(self, x, lengths):
        packed = nn.utils.rnn.pack_padded_sequence(
            self.emb(x), lengths, batch_first=True, enforce_sorted=False)
        _, h = self.gru(packed)
        return self.out(h[-1]).squeeze(-1)


def main():
    gen = torch.Generator().manual_seed(0)
    words, labels = make_words(256, gen)
    loader = DataLoader(WordDataset(words, labels), batch_size=32, shuffle=True,
                        collate_fn=collate, generator=torch.Generator().manual_seed(0))
    model = CharGRU(vocab=len(CHAR2ID) + 1)
    opt = torch.optim.Adam(model.parameters(), lr=5e-3)
    loss_fn = nn.BCEWithLogitsLoss()
    for epoch in range(3):
        total, correct, seen = 0.0, 0, 0
        for x, lengths, y in loader:
            logits = model(x, lengths)
            loss = loss_fn(logits, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(y)
            correct += ((logits > 0).float() == y).sum().item()
            seen += len(y)
        print(f"epoch {epoch} loss {total / seen:.4f} acc {correct / seen:.3f}")
    assert seen == len(words)
    assert torch.isfinite(torch.tensor(total))
    print(f"RESULT loss={total / seen:.4f} acc={correct / seen:.3f} samples={seen}")


if __name__ == "__main__":
    main()
