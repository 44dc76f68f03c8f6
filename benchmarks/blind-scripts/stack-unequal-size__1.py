"""Sentence classifier whose dataset yields token sequences of different lengths."""
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

torch.manual_seed(0)
VOCAB = 60


class Sentences(Dataset):
    def __init__(self, n=40):
        g = torch.Generator().manual_seed(0)
        self.lengths = torch.randint(3, 12, (n,), generator=g)
        self.seqs = [torch.randint(1, VOCAB, (int(l),), generator=g) for l in self.lengths]
        self.labels = torch.randint(0, 2, (n,), generator=g)

    def __len__(self):
        return len(self.seqs)

    def __getitem__(self, i):
        return self.seqs[i], self.labels[i]


loader = DataLoader(Sentences(), batch_size=8, shuffle=True)
emb = nn.EmbeddingBag(VOCAB, 16, mode="mean", padding_idx=0)
clf = nn.Linear(16, 2)
opt = torch.optim.Adam([*emb.parameters(), *clf.parameters()], lr=1e-2)
for epoch in range(3):
    for tokens, labels in loader:
        opt.zero_grad()
        loss = nn.functional.cross_entropy(clf(emb(tokens)), labels)
        loss.backward()
        opt.step()
assert torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")
