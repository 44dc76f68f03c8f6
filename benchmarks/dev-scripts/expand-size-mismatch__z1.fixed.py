"""Protein-fragment property regressor with a hand-written padding collate_fn."""
import torch
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader

torch.set_num_threads(1)

torch.manual_seed(0)
AMINO = "ACDEFGHIKLMNPQRSTVWY"
MAX_RESIDUES = 20      # model context (positions beyond this are not used)


class Fragments(Dataset):
    def __init__(self, n=160):
        g = torch.Generator().manual_seed(8)
        lengths = torch.randint(8, 27, (n,), generator=g)
        self.seqs = [torch.randint(1, len(AMINO) + 1, (int(L),), generator=g) for L in lengths]
        # target: fraction of hydrophobic residues (ids 1..8) in the first MAX_RESIDUES positions
        self.targets = [((s[:MAX_RESIDUES] <= 8).float().mean()) for s in self.seqs]

    def __len__(self):
        return len(self.seqs)

    def __getitem__(self, i):
        return self.seqs[i], self.targets[i]


def pad_collate(batch):
    seqs, targets = zip(*batch)
    padded = torch.zeros(len(seqs), MAX_RESIDUES, dtype=torch.long)
    mask = torch.zeros(len(seqs), MAX_RESIDUES, dtype=torch.bool)
    for i, s in enumerate(seqs):
        s = s[:MAX_RESIDUES]           # truncate long fragments to the model context
        padded[i, : len(s)] = s
        mask[i, : len(s)] = True
    return padded, mask, torch.stack(targets)


class FragmentRegressor(nn.Module):
    def __init__(self, dim=16):
        super().__init__()
        self.emb = nn.Embedding(len(AMINO) + 1, dim, padding_idx=0)
        self.mlp = nn.Sequential(nn.Linear(dim, 32), nn.ReLU(), nn.Linear(32, 1))

    def forward(self, ids, mask):
        e = self.emb(ids) * mask.unsqueeze(-1)
        pooled = e.sum(1) / mask.sum(1, keepdim=True)
        return self.mlp(pooled).squeeze(-1)


loader = DataLoader(Fragments(), batch_size=16, shuffle=True, collate_fn=pad_collate,
                    generator=torch.Generator().manual_seed(0))
model = FragmentRegressor()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
epoch_mse = []
for epoch in range(12):
    total = 0.0
    for ids, mask, y in loader:
        loss = nn.functional.mse_loss(model(ids, mask), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item()
    epoch_mse.append(total / len(loader))

print("mse per epoch:", [round(v, 4) for v in epoch_mse])
assert ids.shape[1] == MAX_RESIDUES and len(loader) == 10
assert epoch_mse[-1] < 0.5 * epoch_mse[0], epoch_mse
print(f"RESULT first={epoch_mse[0]:.5f} last={epoch_mse[-1]:.5f} batches={len(loader)}")
