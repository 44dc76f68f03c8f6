"""Validation code path reused for training: the loss is built under no_grad."""
import torch
import torch.nn as nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 2))
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
loss_fn = nn.CrossEntropyLoss()
X, y = torch.randn(50, 8), torch.randint(0, 2, (50,))


@torch.no_grad()
def compute_loss(xb, yb):
    return loss_fn(model(xb), yb)


for epoch in range(10):
    model.train()
    opt.zero_grad()
    loss = compute_loss(X, y)
    loss.backward()
    opt.step()

model.eval()
with torch.no_grad():
    acc = (model(X).argmax(1) == y).float().mean().item()
assert torch.isfinite(loss)
print(f"RESULT acc={acc:.3f}")
