import torch
from torch import nn
from torch.nn.utils import rnn as rnn_utils
from torch.utils.data import DataLoader

torch.manual_seed(6)

# speech frames of varying length, a custom collate packs the batch
utterances = [(torch.randn(int(n), 13), int(n) % 2) for n in torch.randint(5, 30, (24,))]


def collate(batch):
    feats, labels = zip(*batch)
    lengths = torch.tensor([f.shape[0] for f in feats])
    padded = rnn_utils.pad_sequence(list(feats), batch_first=True)
    packed = rnn_utils.pack_padded_sequence(padded, lengths, batch_first=True)
    return packed, torch.tensor(labels)


loader = DataLoader(utterances, batch_size=6, shuffle=True, collate_fn=collate)
gru = nn.GRU(13, 20, batch_first=True)
cls = nn.Linear(20, 2)
opt = torch.optim.Adam([*gru.parameters(), *cls.parameters()], lr=1e-2)
for epoch in range(2):
    for packed, y in loader:
        opt.zero_grad()
        _, h = gru(packed)
        loss = nn.functional.cross_entropy(cls(h[-1]), y)
        loss.backward()
        opt.step()
assert torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")
