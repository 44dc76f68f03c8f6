"""Star-rating regression-as-classification with a label-smoothed soft-target loss.
Ratings in the CSV are 1..5 stars."""
import csv
import io
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
NUM_CLASSES = 5

raw = io.StringIO()
w = csv.writer(raw)
w.writerow(["f1", "f2", "f3", "stars"])
g = torch.Generator().manual_seed(0)
for _ in range(120):
    f = torch.randn(3, generator=g)
    stars = int(torch.clamp(torch.round(f.sum() + 3), 1, 5))
    w.writerow([f"{v:.4f}" for v in f.tolist()] + [stars])
raw.seek(0)

rows = list(csv.DictReader(raw))
X = torch.tensor([[float(r["f1"]), float(r["f2"]), float(r["f3"])] for r in rows])
stars = torch.tensor([int(r["stars"]) for r in rows])


def smoothed_targets(labels, num_classes, eps=0.1):
    onehot = F.one_hot(labels, num_classes).float()
    return onehot * (1 - eps) + eps / num_classes


model = nn.Sequential(nn.Linear(3, 32), nn.ReLU(), nn.Linear(32, NUM_CLASSES))
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for epoch in range(100):
    logits = model(X)
    target = smoothed_targets(stars - 1, NUM_CLASSES)  # 1..5 stars -> classes 0..4
    loss = -(target * F.log_softmax(logits, dim=-1)).sum(-1).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
acc = (model(X).argmax(-1) + 1 == stars).float().mean()
print(f"loss {loss.item():.4f} train acc {acc.item():.3f}")
assert target.shape == (120, NUM_CLASSES) and torch.allclose(target.sum(-1), torch.ones(120))
assert acc.item() > 0.8
print(f"RESULT acc={acc.item():.3f}")
