import torch
from torch import nn

torch.manual_seed(5)
B, S, D = 6, 10, 16
lengths = torch.tensor([10, 8, 5, 10, 3, 7])

x = torch.randn(B, S, D)
y = torch.randint(0, 2, (B,))
attn = nn.MultiheadAttention(D, 2, batch_first=True)
cls = nn.Linear(D, 2)
opt = torch.optim.Adam([*attn.parameters(), *cls.parameters()], lr=1e-3)


def padding_mask(lens, max_len):
    """True where a position is padding."""
    return torch.arange(max_len)[:, None] >= lens[None, :]


for step in range(5):
    opt.zero_grad()
    pad = padding_mask(lengths, S)
    out, _ = attn(x, x, x, key_padding_mask=pad)
    keep = (~pad).unsqueeze(-1).float()
    pooled = (out * keep).sum(1) / keep.sum(1)
    loss = nn.functional.cross_entropy(cls(pooled), y)
    loss.backward()
    opt.step()
assert pooled.shape == (B, D)
assert torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")
