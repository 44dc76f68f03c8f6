"""Class-balanced subsampling with indices computed by arithmetic."""
import torch
import torch.nn as nn

torch.manual_seed(0)
X = torch.randn(200, 6)
y = (torch.rand(200) < 0.2).long()          # 20% positives


def balanced_indices(labels):
    pos = torch.nonzero(labels == 1).squeeze(1)
    neg = torch.nonzero(labels == 0).squeeze(1)
    step = len(neg) / len(pos)
    neg_pick = neg[(torch.arange(len(pos)) * step).floor().long()]
    return torch.cat([pos, neg_pick])


idx = balanced_indices(y)
model = nn.Linear(6, 2)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(10):
    opt.zero_grad()
    loss = nn.functional.cross_entropy(model(X[idx]), y[idx])
    loss.backward()
    opt.step()
assert y[idx].float().mean() == 0.5
print(f"RESULT n={len(idx)} loss={loss.item():.4f}")
