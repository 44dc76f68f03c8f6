"""Character-level dataset with a hand-written collate_fn."""
import random

import torch
from torch.utils.data import DataLoader, Dataset

random.seed(0)
torch.manual_seed(0)

VOCAB = {c: i + 1 for i, c in enumerate("abcdefghijklmnopqrstuvwxyz ")}  # 0 = pad


class Names(Dataset):
    def __init__(self, n=40):
        self.items = []
        for _ in range(n):
            length = random.randint(3, 9)
            word = "".join(random.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(length))
            self.items.append((word, length % 2))

    def __len__(self):
        return len(self.items)

    def __getitem__(self, idx):
        word, label = self.items[idx]
        ids = torch.tensor([VOCAB[c] for c in word], dtype=torch.long)
        return ids, label


def collate(batch):
    # names have different lengths: pad to the longest one in the batch first
    seqs = torch.nn.utils.rnn.pad_sequence([ids for ids, _ in batch], batch_first=True, padding_value=0)
    labels = torch.tensor([lab for _, lab in batch])
    return seqs, labels


loader = DataLoader(Names(), batch_size=8, shuffle=True, collate_fn=collate)
emb = torch.nn.Embedding(len(VOCAB) + 1, 16, padding_idx=0)
for step, (x, y) in enumerate(loader):
    h = emb(x).mean(dim=1)
    print(step, tuple(x.shape), tuple(h.shape), y.tolist())
    assert x.shape[0] == y.shape[0] and h.shape == (x.shape[0], 16)
    assert x.shape[1] == int((x != 0).sum(dim=1).max())
print(f"RESULT batches={step + 1}")
