import torch
from torch import nn

torch.manual_seed(2)
BATCH, SEQ, DIM = 16, 24, 32

# self-attention over a batch-first sequence with a default (seq-first) attention layer
attn = nn.MultiheadAttention(embed_dim=DIM, num_heads=4)
pool_head = nn.Linear(DIM, 1)
opt = torch.optim.Adam([*attn.parameters(), *pool_head.parameters()], lr=1e-3)
readings = torch.randn(BATCH, SEQ, DIM)
target = readings.mean(dim=(1, 2))


def encode(x: torch.Tensor) -> torch.Tensor:
    x = x.transpose(0, 1)
    out, _ = attn(x, x, x)
    return out.transpose(0, 1)


for step in range(6):
    opt.zero_grad()
    h = encode(readings)
    pred = pool_head(h.mean(1)).squeeze(-1)
    loss = nn.functional.mse_loss(pred, target)
    loss.backward()
    opt.step()
assert h.shape == (BATCH, SEQ, DIM)
assert torch.isfinite(loss)
print(f"RESULT mse={loss.item():.4f}")
