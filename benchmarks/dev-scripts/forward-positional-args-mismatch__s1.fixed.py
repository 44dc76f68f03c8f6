"""Small transformer-style encoder over padded sequences; blocks take (x, mask)."""
import torch
import torch.nn as nn

torch.manual_seed(0)


class MaskedBlock(nn.Module):
    def __init__(self, d_model, n_heads):
        super().__init__()
        self.attn = nn.MultiheadAttention(d_model, n_heads, batch_first=True)
        self.ff = nn.Sequential(nn.Linear(d_model, 4 * d_model), nn.GELU(), nn.Linear(4 * d_model, d_model))
        self.n1, self.n2 = nn.LayerNorm(d_model), nn.LayerNorm(d_model)

    def forward(self, x, pad_mask):
        h = self.n1(x)
        a, _ = self.attn(h, h, h, key_padding_mask=pad_mask)
        x = x + a
        return x + self.ff(self.n2(x))


class Encoder(nn.Module):
    def __init__(self, vocab=100, d_model=32, n_heads=4, depth=3):
        super().__init__()
        self.embed = nn.Embedding(vocab, d_model, padding_idx=0)
        self.blocks = nn.ModuleList([MaskedBlock(d_model, n_heads) for _ in range(depth)])
        self.cls = nn.Linear(d_model, 2)

    def forward(self, ids):
        pad_mask = ids == 0
        x = self.embed(ids)
        for block in self.blocks:
            x = block(x, pad_mask)
        keep = (~pad_mask).unsqueeze(-1).float()
        return self.cls((x * keep).sum(1) / keep.sum(1))


ids = torch.randint(1, 100, (6, 10))
ids[:, 7:] = 0  # padding
labels = torch.randint(0, 2, (6,))
model = Encoder()
opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
for step in range(5):
    loss = nn.functional.cross_entropy(model(ids), labels)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f"step {step} loss {loss.item():.4f}")

assert model(ids).shape == (6, 2) and len(model.blocks) == 3
print(f"RESULT loss={loss.item():.4f}")
