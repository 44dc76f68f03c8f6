"""Training script written on a GPU workstation, run on a CPU-only machine."""
import torch
import torch.nn as nn

torch.manual_seed(0)

model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 2)).cuda()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
X = torch.randn(64, 10)
y = (X[:, 0] > 0).long()


def train_step(xb, yb):
    xb, yb = xb.cuda(), yb.cuda()
    opt.zero_grad()
    loss = nn.functional.cross_entropy(model(xb), yb)
    loss.backward()
    opt.step()
    return loss.item()


for epoch in range(20):
    last = train_step(X, y)
assert last == last
# (evaluation happens on whatever device the model is on)
print(f"RESULT loss={last:.4f}")
