import numpy as np
import torch

np.random.seed(0)
torch.manual_seed(0)


def make_spiral(n_per_class=50, n_classes=3):
    rng = np.random.default_rng(0)
    xs, ys = [], []
    for c in range(n_classes):
        r = np.linspace(0.05, 1.0, n_per_class)
        t = np.linspace(c * 4, (c + 1) * 4, n_per_class) + rng.normal(scale=0.2, size=n_per_class)
        xs.append(np.stack([r * np.sin(t), r * np.cos(t)], axis=1))
        ys.append(np.full(n_per_class, c))
    x = torch.tensor(np.concatenate(xs), dtype=torch.float32)
    y = torch.tensor(np.concatenate(ys), dtype=torch.long)
    return x, y


class TwoLayerNet:
    """A from-scratch MLP with hand-managed parameters."""

    def __init__(self, d_in, d_hidden, d_out, init_scale=0.5):
        self.W1 = (torch.randn(d_in, d_hidden) * init_scale).requires_grad_()
        self.b1 = torch.zeros(d_hidden, requires_grad=True)
        self.W2 = (torch.randn(d_hidden, d_out) * init_scale).requires_grad_()
        self.b2 = torch.zeros(d_out, requires_grad=True)

    def parameters(self):
        return [self.W1, self.b1, self.W2, self.b2]

    def __call__(self, x):
        h = torch.relu(x @ self.W1 + self.b1)
        return h @ self.W2 + self.b2


def main():
    x, y = make_spiral()
    net = TwoLayerNet(2, 64, 3)
    opt = torch.optim.Adam(net.parameters(), lr=0.02)
    for it in range(200):
        logits = net(x)
        loss = torch.nn.functional.cross_entropy(logits, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if it % 50 == 0:
            print(f"iter {it} loss {loss.item():.4f}")
    with torch.no_grad():
        acc = (net(x).argmax(1) == y).float().mean().item()
    print(f"final loss {loss.item():.4f} acc {acc:.3f}")
    assert all(p.is_leaf for p in net.parameters())
    assert torch.isfinite(loss) and acc > 0.6
    print(f"RESULT loss={loss.item():.4f} acc={acc:.3f}")


if __name__ == "__main__":
    main()
