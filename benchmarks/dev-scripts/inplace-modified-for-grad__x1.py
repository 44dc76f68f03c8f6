"""Gated residual MLP trained on a synthetic regression task."""
import torch
import torch.nn as nn


class GatedResidualBlock(nn.Module):
    def __init__(self, dim, dropout=0.0):
        super().__init__()
        self.value = nn.Linear(dim, dim)
        self.gate = nn.Linear(dim, dim)
        self.drop = nn.Dropout(dropout)

    def forward(self, x):
        g = torch.sigmoid(self.gate(x))
        v = torch.tanh(self.value(x))
        g *= v
        return x + self.drop(g)


class GatedMLP(nn.Module):
    def __init__(self, in_dim, dim, depth, out_dim):
        super().__init__()
        self.inp = nn.Linear(in_dim, dim)
        self.blocks = nn.ModuleList(GatedResidualBlock(dim) for _ in range(depth))
        self.out = nn.Linear(dim, out_dim)

    def forward(self, x):
        h = self.inp(x)
        for blk in self.blocks:
            h = blk(h)
        return self.out(h)


def target_fn(x):
    return torch.sin(x[:, :1] * 2) + x[:, 1:2] ** 2 - 0.5 * x[:, 2:3]


def main():
    torch.manual_seed(0)
    x = torch.rand(256, 3) * 2 - 1
    y = target_fn(x)
    model = GatedMLP(3, 32, depth=3, out_dim=1)
    opt = torch.optim.Adam(model.parameters(), lr=5e-3)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=50, gamma=0.5)
    for step in range(150):
        idx = torch.randperm(len(x))[:64]
        pred = model(x[idx])
        loss = nn.functional.mse_loss(pred, y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
    with torch.no_grad():
        full = nn.functional.mse_loss(model(x), y).item()
    assert torch.isfinite(torch.tensor(full)) and full < 0.05, full
    print(f"RESULT mse={full:.5f}")


if __name__ == "__main__":
    main()
