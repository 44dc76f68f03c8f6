import torch
import torch.nn as nn

torch.manual_seed(0)


class WindowAttention(nn.Module):
    """Window self-attention with a learned relative position bias (Swin-style)."""

    def __init__(self, dim, window_size, num_heads):
        super().__init__()
        self.dim, self.ws, self.heads = dim, window_size, num_heads
        self.scale = (dim // num_heads) ** -0.5
        self.bias_table = nn.Parameter(torch.zeros((2 * window_size - 1) ** 2, num_heads))
        nn.init.trunc_normal_(self.bias_table, std=0.02)

        coords = torch.stack(torch.meshgrid(torch.arange(window_size), torch.arange(window_size), indexing="ij"))
        coords = coords.flatten(1)
        rel = coords[:, :, None] - coords[:, None, :]
        rel = rel.permute(1, 2, 0).contiguous()
        rel[:, :, 0] += window_size - 1
        rel[:, :, 1] += window_size - 1
        rel[:, :, 0] *= 2 * window_size - 1
        self.register_buffer("rel_index", rel.sum(-1))

        self.qkv = nn.Linear(dim, dim * 3)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        B, N, C = x.shape
        qkv = self.qkv(x).reshape(B, N, 3, self.heads, C // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = (q * self.scale) @ k.transpose(-2, -1)
        bias = self.bias_table[self.rel_index.view(-1)].view(N, N, -1).permute(2, 0, 1)
        attn = (attn + bias.unsqueeze(0)).softmax(-1)
        out = (attn @ v).transpose(1, 2).reshape(B, N, C)
        return self.proj(out)


attn = WindowAttention(dim=32, window_size=4, num_heads=4)
windows = torch.randn(6, 16, 32)
out = attn(windows)
print("window attention output", tuple(out.shape))
assert out.shape == windows.shape and torch.isfinite(out).all()
assert attn.rel_index.shape == (16, 16) and attn.rel_index.max().item() == (2 * 4 - 1) ** 2 - 1
assert (attn.rel_index.diagonal() == 3 * 7 + 3).all() and attn.rel_index[0, 1].item() == 3 * 7 + 2
print("RESULT window attention ran, output", tuple(out.shape))
