import torch
from torch import nn

torch.manual_seed(2)
# attention-style scores where padded positions are zeroed by slice assignment
B, T = 4, 8
scores_net = nn.Linear(6, 1)
values = torch.randn(B, T, 6)
lengths = [8, 5, 3, 6]
target = torch.randn(B, 6)
opt = torch.optim.SGD(scores_net.parameters(), lr=0.1)


def pool(x):
    w = torch.exp(scores_net(x).squeeze(-1))
    for i, n in enumerate(lengths):
        w[i, n:] = 0.0
    w = w / w.sum(1, keepdim=True)
    return (w.unsqueeze(-1) * x).sum(1)


for step in range(5):
    opt.zero_grad()
    pooled = pool(values)
    loss = nn.functional.mse_loss(pooled, target)
    loss.backward()
    opt.step()
assert pooled.shape == (B, 6) and torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")
