import torch
from torch import nn

torch.manual_seed(2)


class MultiTaskNet(nn.Module):
    """Shared trunk with one head per task, heads kept in a dict."""

    def __init__(self, tasks):
        super().__init__()
        self.heads = nn.ModuleDict({name: nn.Linear(16, n) for name, n in tasks.items()})
        self.trunk_dim = 16

    def forward(self, x):
        return {name: head(x) for name, head in self.heads.items()}


TASKS = {"species": 3, "sex": 2}
net = MultiTaskNet(TASKS)
opt = torch.optim.SGD(net.parameters(), lr=0.1)
x = torch.randn(30, 16)
targets = {"species": torch.randint(0, 3, (30,)), "sex": torch.randint(0, 2, (30,))}
for step in range(10):
    opt.zero_grad()
    outs = net(x)
    loss = sum(nn.functional.cross_entropy(outs[k], targets[k]) for k in TASKS)
    loss.backward()
    opt.step()
assert torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")
