# hand-rolled multi-head self-attention with a padding mask
import math
import torch
import torch.nn as nn

torch.manual_seed(5)


class SelfAttention(nn.Module):
    def __init__(self, dim=32, heads=4):
        super().__init__()
        self.h, self.dk = heads, dim // heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x, pad_mask):
        # x: (B, L, D); pad_mask: (B, L), True where the token is padding
        B, L, D = x.shape
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        q, k, v = (t.view(B, L, self.h, self.dk).transpose(1, 2) for t in (q, k, v))
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.dk)   # (B, H, L, L)
        mask = pad_mask[:, None, None, :].expand(B, self.h, L, L)
        scores = scores.masked_fill(mask, float("-inf"))
        attn = scores.softmax(dim=-1)
        out = (attn @ v).transpose(1, 2).reshape(B, L, D)
        return self.proj(out), attn


lengths = torch.tensor([7, 5, 9])
L = int(lengths.max())
x = torch.randn(len(lengths), L, 32)
pad_mask = torch.arange(L)[None, :] >= lengths[:, None]

layer = SelfAttention()
out, attn = layer(x, pad_mask)
print(out.shape, attn.shape)
assert out.shape == (3, L, 32) and attn.shape == (3, 4, L, L)
# padded keys get zero attention weight, every row still sums to 1
assert torch.all(attn[1, :, :, 5:] == 0)
assert torch.allclose(attn.sum(-1), torch.ones(3, 4, L))
print(f"RESULT out={tuple(out.shape)} attn={tuple(attn.shape)}")
