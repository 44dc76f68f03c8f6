"""Multi-class churn-reason classifier where some rows have no label (-1)."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)  # shared CPU box

np.random.seed(0)
torch.manual_seed(0)

N, F_IN, C = 400, 12, 5
rng = np.random.default_rng(42)
features = rng.normal(size=(N, F_IN)).astype(np.float32)
proj = rng.normal(size=(F_IN, C)).astype(np.float32)
labels = (features @ proj).argmax(axis=1)
unlabeled = rng.random(N) < 0.3
labels[unlabeled] = -1

# labels come out of the feature store as a column vector
X = torch.from_numpy(features)
Y = torch.from_numpy(labels.reshape(-1, 1)).long()


class ReasonClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(F_IN, 64), nn.ReLU(), nn.Dropout(0.1), nn.Linear(64, C))

    def forward(self, x):
        return self.body(x)


def masked_loss(logits, targets):
    has_label = targets >= 0
    return F.cross_entropy(logits[has_label], targets[has_label].view(-1))


model = ReasonClassifier()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
perm = torch.randperm(N)
losses = []
for epoch in range(30):
    for start in range(0, N, 100):
        idx = perm[start:start + 100]
        logits = model(X[idx])
        loss = masked_loss(logits, Y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    losses.append(loss.item())

model.eval()
with torch.no_grad():
    pred = model(X).argmax(1)
known = Y.view(-1) >= 0
acc = (pred[known] == Y.view(-1)[known]).float().mean().item()
print(f"loss {losses[0]:.3f} -> {losses[-1]:.3f}, train acc {acc:.3f}")
assert np.isfinite(losses).all() and losses[-1] < losses[0]
assert acc > 0.8
print(f"RESULT acc={acc:.3f} first_loss={losses[0]:.4f} last_loss={losses[-1]:.4f}")
