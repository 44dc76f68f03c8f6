"""Softmax regression written from scratch (no nn.Module), as in a course notebook."""
import numpy as np
import torch

torch.manual_seed(0)
np.random.seed(0)

# data: three gaussian blobs
n_per, d, k = 100, 2, 3
centers = np.array([[0, 0], [3, 3], [-3, 3]], dtype=np.float32)
X = np.concatenate([c + np.random.randn(n_per, d).astype(np.float32) for c in centers])
Y = np.repeat(np.arange(k), n_per)
X_t, Y_t = torch.from_numpy(X), torch.from_numpy(Y)

# parameters
W = (torch.randn(d, k) * 0.01).requires_grad_()  # scale first, so W stays a leaf
b = torch.zeros(k, requires_grad=True)
optimizer = torch.optim.SGD([W, b], lr=0.5)


def forward(x):
    return x @ W + b


def accuracy(logits, y):
    return (logits.argmax(dim=1) == y).float().mean().item()


for epoch in range(100):
    logits = forward(X_t)
    loss = torch.nn.functional.cross_entropy(logits, Y_t)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if epoch % 25 == 0:
        print(f"epoch {epoch:3d}  loss {loss.item():.4f}  acc {accuracy(logits, Y_t):.3f}")

final_acc = accuracy(forward(X_t), Y_t)
print("final accuracy", final_acc)
assert W.is_leaf and W.grad is not None and final_acc > 0.9
print(f"RESULT acc={final_acc:.3f} loss={loss.item():.4f}")
