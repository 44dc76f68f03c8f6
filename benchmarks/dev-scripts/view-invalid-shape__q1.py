"""A hand-written multi-head self-attention block for a small transformer encoder."""
import torch
import torch.nn as nn

torch.manual_seed(0)

config = {"d_model": 100, "n_heads": 8, "seq_len": 12, "batch": 4, "dropout": 0.0}


class SelfAttention(nn.Module):
    def __init__(self, d_model, n_heads, dropout=0.0):
        super().__init__()
        self.n_heads = n_heads
        self.head_dim = d_model // n_heads
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.proj = nn.Linear(d_model, d_model)
        self.drop = nn.Dropout(dropout)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        q = q.view(B, T, self.n_heads, self.head_dim).transpose(1, 2)
        k = k.view(B, T, self.n_heads, self.head_dim).transpose(1, 2)
        v = v.view(B, T, self.n_heads, self.head_dim).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) / self.head_dim ** 0.5
        att = self.drop(att.softmax(dim=-1))
        out = (att @ v).transpose(1, 2).reshape(B, T, C)
        return self.proj(out)


class EncoderLayer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.ln1 = nn.LayerNorm(cfg["d_model"])
        self.attn = SelfAttention(cfg["d_model"], cfg["n_heads"], cfg["dropout"])
        self.ln2 = nn.LayerNorm(cfg["d_model"])
        self.ff = nn.Sequential(nn.Linear(cfg["d_model"], 4 * cfg["d_model"]), nn.GELU(),
                                nn.Linear(4 * cfg["d_model"], cfg["d_model"]))

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.ff(self.ln2(x))


layer = EncoderLayer(config)
tokens = torch.randn(config["batch"], config["seq_len"], config["d_model"])
out = layer(tokens)
print("encoder output", tuple(out.shape))
