"""Writing per-sequence features into a preallocated padded buffer."""
import torch
import torch.nn as nn

torch.manual_seed(0)
MAX_LEN, DIM = 12, 8
encoder = nn.Linear(4, DIM)
seqs = [torch.randn(int(n), 4) for n in torch.randint(3, MAX_LEN + 1, (6,))]


def pad_features(batch):
    out = torch.zeros(len(batch), MAX_LEN, DIM)
    for i, s in enumerate(batch):
        feats = encoder(s)
        out[i, : len(s)] = feats
    return out


head = nn.Linear(DIM, 1)
opt = torch.optim.Adam([*encoder.parameters(), *head.parameters()], lr=1e-2)
target = torch.randn(6)
for step in range(5):
    opt.zero_grad()
    padded = pad_features(seqs)
    loss = nn.functional.mse_loss(head(padded.mean(1)).squeeze(1), target)
    loss.backward()
    opt.step()
assert padded.shape == (6, MAX_LEN, DIM) and torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")
