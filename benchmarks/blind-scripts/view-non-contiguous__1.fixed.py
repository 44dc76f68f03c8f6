"""Multi-head self-attention written by hand."""
import math
import torch
import torch.nn as nn

torch.manual_seed(0)


class SelfAttention(nn.Module):
    def __init__(self, dim=32, heads=4):
        super().__init__()
        self.h, self.d = heads, dim // heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.out = nn.Linear(dim, dim)

    def forward(self, x):
        b, t, c = x.shape
        q, k, v = self.qkv(x).view(b, t, 3, self.h, self.d).permute(2, 0, 3, 1, 4)
        att = (q @ k.transpose(-2, -1)) / math.sqrt(self.d)
        y = att.softmax(dim=-1) @ v                   # [b, h, t, d]
        y = y.transpose(1, 2).reshape(b, t, c)
        return self.out(y)


layer = SelfAttention()
x = torch.randn(4, 10, 32)
target = torch.randn(4, 10, 32)
opt = torch.optim.Adam(layer.parameters(), lr=1e-3)
for step in range(5):
    opt.zero_grad()
    y = layer(x)
    loss = nn.functional.mse_loss(y, target)
    loss.backward()
    opt.step()
assert y.shape == x.shape and torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")
