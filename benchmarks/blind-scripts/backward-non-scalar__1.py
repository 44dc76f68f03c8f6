"""Per-sample losses kept for logging, then backpropagated directly.

The index of the hardest sample per epoch is recorded for later inspection.
"""
import torch
import torch.nn as nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 3))
criterion = nn.CrossEntropyLoss(reduction="none")
opt = torch.optim.SGD(model.parameters(), lr=0.1)
X, y = torch.randn(60, 4), torch.randint(0, 3, (60,))
hardest = []

for epoch in range(10):
    opt.zero_grad()
    per_sample = criterion(model(X), y)
    hardest.append(int(per_sample.argmax()))
    loss = per_sample
    loss.backward()
    opt.step()

assert len(hardest) == 10
assert per_sample.shape == (60,)
final = per_sample.mean().item()
assert final == final
print(f"RESULT loss={final:.4f}")
