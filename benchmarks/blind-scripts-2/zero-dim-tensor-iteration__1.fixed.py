"""Online hard-example mining: re-train on the samples with the highest loss each epoch."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Subset, TensorDataset

torch.manual_seed(0)
X = torch.randn(200, 8)
Y = (X[:, 0] + 0.5 * X[:, 1] ** 2 > 0.5).long()
dataset = TensorDataset(X, Y)
model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 2))
opt = torch.optim.Adam(model.parameters(), lr=5e-3)
criterion = nn.CrossEntropyLoss()


def mine_hard_examples(model, loader, k):
    scores = []
    model.eval()
    with torch.no_grad():
        for xb, yb in loader:
            losses = F.cross_entropy(model(xb), yb, reduction="none")
            for sample_loss in losses:
                scores.append(sample_loss.item())
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    return order[:k]


full_loader = DataLoader(dataset, batch_size=50, shuffle=False)
for rnd in range(3):
    hard = mine_hard_examples(model, full_loader, k=64)
    model.train()
    for xb, yb in DataLoader(Subset(dataset, hard), batch_size=16, shuffle=True):
        loss = criterion(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
    print(f"round {rnd}: trained on {len(hard)} hard examples, last loss {loss.item():.4f}")
assert len(hard) == 64 and len(set(hard)) == 64 and torch.isfinite(loss)
print(f"RESULT hard-example mining ran {rnd + 1} rounds, loss {loss.item():.4f}")
