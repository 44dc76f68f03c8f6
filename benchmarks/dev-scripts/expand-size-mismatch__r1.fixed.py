"""Variable-length sequence dataset with a custom padding collate_fn."""
import torch
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader

torch.manual_seed(11)
MAX_LEN = 16
PAD = 0


class TokenSeqs(Dataset):
    def __init__(self, n=30, vocab=50):
        g = torch.Generator().manual_seed(11)
        lengths = torch.randint(4, 22, (n,), generator=g)
        self.seqs = [torch.randint(1, vocab, (int(l),), generator=g) for l in lengths]
        self.labels = torch.randint(0, 2, (n,), generator=g)

    def __len__(self):
        return len(self.seqs)

    def __getitem__(self, i):
        return self.seqs[i], self.labels[i]


def pad_collate(batch):
    seqs, labels = zip(*batch)
    out = torch.full((len(seqs), MAX_LEN), PAD, dtype=torch.long)
    lengths = []
    for i, s in enumerate(seqs):
        s = s[:MAX_LEN]  # truncate long sequences so they fit the padded row
        out[i, : len(s)] = s
        lengths.append(min(len(s), MAX_LEN))
    return out, torch.tensor(lengths), torch.stack(labels)


class BagModel(nn.Module):
    def __init__(self, vocab=50, dim=16):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim, padding_idx=PAD)
        self.fc = nn.Linear(dim, 2)

    def forward(self, ids, lengths):
        summed = self.emb(ids).sum(1)
        return self.fc(summed / lengths.unsqueeze(1))


loader = DataLoader(TokenSeqs(), batch_size=6, collate_fn=pad_collate)
model = BagModel()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for ids, lengths, labels in loader:
    loss = nn.functional.cross_entropy(model(ids, lengths), labels)
    opt.zero_grad()
    loss.backward()
    opt.step()
print("loss", loss.item())

ids, lengths, labels = next(iter(loader))
assert ids.shape == (6, MAX_LEN) and int(lengths.max()) <= MAX_LEN
ds = loader.dataset
assert torch.equal(ids[0, : lengths[0]], ds.seqs[0][:MAX_LEN])
print(f"RESULT ids={tuple(ids.shape)} loss={loss.item():.4f}")
