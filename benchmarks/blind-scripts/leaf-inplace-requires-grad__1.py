"""Logistic regression trained with a hand-written gradient descent step."""
import torch

torch.manual_seed(0)
X = torch.randn(100, 3)
y = (X @ torch.tensor([1.5, -2.0, 0.5]) > 0).float()

w = torch.zeros(3, requires_grad=True)
b = torch.zeros(1, requires_grad=True)
LR = 0.5

for epoch in range(50):
    p = torch.sigmoid(X @ w + b)
    loss = torch.nn.functional.binary_cross_entropy(p, y)
    loss.backward()
    w -= LR * w.grad
    b -= LR * b.grad
    w.grad.zero_()
    b.grad.zero_()

with torch.no_grad():
    acc = ((torch.sigmoid(X @ w + b) > 0.5).float() == y).float().mean().item()
assert acc > 0.8
assert torch.isfinite(loss)
print(f"RESULT acc={acc:.3f}")
