import torch
import torch.nn as nn

torch.manual_seed(0)


class GatedResidualBlock(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.proj = nn.Linear(dim, 2 * dim)
        self.norm = nn.LayerNorm(dim)
        self.drop = nn.Dropout(0.1, inplace=True)

    def forward(self, x):
        value, gate = self.proj(self.norm(x)).chunk(2, dim=-1)
        g = self.drop(torch.sigmoid(gate))
        out = g * value
        out = out + x
        return out


class TabularNet(nn.Module):
    def __init__(self, n_in, dim=32, depth=3, n_out=3):
        super().__init__()
        self.inp = nn.Linear(n_in, dim)
        self.blocks = nn.Sequential(*[GatedResidualBlock(dim) for _ in range(depth)])
        self.head = nn.Linear(dim, n_out)

    def forward(self, x):
        return self.head(self.blocks(self.inp(x)))


def make_data(n=256, n_in=10):
    x = torch.randn(n, n_in)
    w = torch.randn(n_in, 3)
    y = (x @ w).argmax(1)
    return x, y


def fit(model, x, y, epochs=20, bs=32):
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    loss_fn = nn.CrossEntropyLoss()
    history = []
    for epoch in range(epochs):
        perm = torch.randperm(x.size(0))
        for i in range(0, x.size(0), bs):
            idx = perm[i:i + bs]
            loss = loss_fn(model(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        history.append(loss.item())
    return history


def main():
    x, y = make_data()
    model = TabularNet(x.size(1))
    history = fit(model, x, y)
    with torch.no_grad():
        acc = (model(x).argmax(1) == y).float().mean().item()
    print(f"first loss {history[0]:.4f} last loss {history[-1]:.4f}")
    assert all(torch.isfinite(torch.tensor(h)) for h in history)
    assert acc > 0.85, acc
    print(f"RESULT acc={acc:.3f} loss={history[-1]:.4f}")


if __name__ == "__main__":
    main()
