"""Logistic regression written from scratch with manual gradient descent."""
import numpy as np
import torch


def make_blobs(n, d, seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    centers = np.where(y[:, None] == 1, 1.0, -1.0)
    x = centers + rng.standard_normal((n, d))
    return torch.tensor(x, dtype=torch.float32), torch.tensor(y, dtype=torch.float32)


class ScratchLogReg:
    def __init__(self, d, init_scale=0.01, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.w = (torch.randn(d, generator=g) * init_scale).requires_grad_()
        self.b = torch.zeros(1, requires_grad=True)

    def logits(self, x):
        return x @ self.w + self.b

    def params(self):
        return [self.w, self.b]


def bce(logits, y):
    return torch.nn.functional.binary_cross_entropy_with_logits(logits, y)


def main():
    torch.manual_seed(0)
    x, y = make_blobs(200, 5, seed=0)
    model = ScratchLogReg(5)
    lr = 0.5
    losses = []
    for step in range(40):
        loss = bce(model.logits(x), y)
        loss.backward()
        with torch.no_grad():
            for p in model.params():
                p -= lr * p.grad
                p.grad.zero_()
        losses.append(loss.item())
    with torch.no_grad():
        acc = ((model.logits(x) > 0).float() == y).float().mean().item()
    assert model.w.is_leaf and model.w.grad is not None
    assert losses[-1] < losses[0] and np.isfinite(losses[-1])
    print(f"RESULT loss={losses[-1]:.4f} acc={acc:.3f}")


if __name__ == "__main__":
    main()
