import torch
import torch.nn as nn


class GatedUnit(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.value = nn.Linear(d, d)
        self.gate = nn.Linear(d, d)

    def forward(self, x):
        return self.value(x) * torch.sigmoid(self.gate(x))


class Model(nn.Module):
    def __init__(self, d_in=12, d=32, n_out=3, depth=2):
        super().__init__()
        self.inp = nn.Linear(d_in, d)
        self.blocks = nn.ModuleList(GatedUnit(d) for _ in range(depth))
        self.out = nn.Linear(d, n_out)

    def forward(self, x):
        h = self.inp(x)
        for blk in self.blocks:
            h = h + blk(h)
        return self.out(h)


def fit(model, x, y, epochs=20, lr=5e-3):
    opt = torch.optim.AdamW(model.parameters(), lr=lr)
    losses = []
    for _ in range(epochs):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


torch.manual_seed(0)
x = torch.randn(90, 12)
y = torch.arange(90) % 3
losses = fit(Model(), x, y)
print(f"loss {losses[0]:.3f} -> {losses[-1]:.3f}")
assert len(losses) == 20 and losses[-1] < losses[0]
print(f"RESULT gated model trained, loss {losses[-1]:.3f}")
