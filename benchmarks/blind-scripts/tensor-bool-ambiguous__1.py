"""Early stopping that compares a per-class validation loss."""
import torch
import torch.nn as nn

torch.manual_seed(0)
model = nn.Linear(6, 3)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
X, y = torch.randn(90, 6), torch.randint(0, 3, (90,))
Xv, yv = torch.randn(30, 6), torch.randint(0, 3, (30,))
best, patience, bad = float("inf"), 3, 0

for epoch in range(30):
    opt.zero_grad()
    nn.functional.cross_entropy(model(X), y).backward()
    opt.step()
    with torch.no_grad():
        val = nn.functional.cross_entropy(model(Xv), yv, reduction="none")
    if val < best:
        best, bad = val, 0
    else:
        bad += 1
        if bad >= patience:
            break

best = float(best)
assert best == best
print(f"RESULT best_val={best:.4f} epoch={epoch}")
