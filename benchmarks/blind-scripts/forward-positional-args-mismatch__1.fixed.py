"""A mask pushed through nn.Sequential together with the input."""
import torch
import torch.nn as nn

torch.manual_seed(0)
encoder = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 16))
head = nn.Linear(16, 2)
x = torch.randn(4, 10, 8)
mask = torch.rand(4, 10) > 0.2
y = torch.randint(0, 2, (4,))
opt = torch.optim.Adam([*encoder.parameters(), *head.parameters()], lr=1e-2)


def pooled(inp, m):
    h = encoder(inp)
    m = m.unsqueeze(-1).float()
    return (h * m).sum(1) / m.sum(1).clamp(min=1)


for step in range(5):
    opt.zero_grad()
    loss = nn.functional.cross_entropy(head(pooled(x, mask)), y)
    loss.backward()
    opt.step()
assert torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")
