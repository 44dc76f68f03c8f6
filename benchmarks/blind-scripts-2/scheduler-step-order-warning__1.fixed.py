import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
X = torch.randn(160, 20)
Y = (X[:, 0] * X[:, 1] > 0).long()
loader = DataLoader(TensorDataset(X, Y), batch_size=32, shuffle=True)

model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 2))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
total_steps = 5 * len(loader)
warmup = 10


def lr_lambda(step):
    if step < warmup:
        return (step + 1) / warmup
    return max(0.0, (total_steps - step) / (total_steps - warmup))


scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda)
lrs = []
for epoch in range(5):
    for xb, yb in loader:
        loss = F.cross_entropy(model(xb), yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
        lrs.append(scheduler.get_last_lr()[0])
    print(f"epoch {epoch}: loss {loss.item():.4f} lr {lrs[-1]:.4f}")
assert len(lrs) == total_steps and abs(lrs[0] - 0.02) < 1e-9 and lrs[-1] == 0.0
print(f"RESULT warmup+linear decay ran for {len(lrs)} steps, loss {loss.item():.4f}")
