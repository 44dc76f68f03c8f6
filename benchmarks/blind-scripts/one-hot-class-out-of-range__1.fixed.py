"""Soft-target training where labels are one-hot encoded for label smoothing."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
N_CLASSES = 4
X = torch.randn(60, 10)
y = torch.randint(1, N_CLASSES + 1, (60,))      # classes numbered 1..4 in the source data


def smooth_targets(labels, eps=0.1):
    oh = F.one_hot(labels - 1, N_CLASSES).float()
    return oh * (1 - eps) + eps / N_CLASSES


model = nn.Linear(10, N_CLASSES)
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for epoch in range(10):
    opt.zero_grad()
    targets = smooth_targets(y)
    loss = F.cross_entropy(model(X), targets)
    loss.backward()
    opt.step()
assert targets.shape == (60, N_CLASSES)
assert torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")
