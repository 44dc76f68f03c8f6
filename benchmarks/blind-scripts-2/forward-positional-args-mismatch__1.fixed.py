"""Masked self-attention encoder for variable-length event sequences."""
import torch
import torch.nn as nn

torch.manual_seed(0)


class MaskedAttentionBlock(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.norm1 = nn.LayerNorm(dim)
        self.ff = nn.Sequential(nn.Linear(dim, 2 * dim), nn.ReLU(), nn.Linear(2 * dim, dim))
        self.norm2 = nn.LayerNorm(dim)

    def forward(self, x, padding_mask):
        attn_out, _ = self.attn(x, x, x, key_padding_mask=padding_mask, need_weights=False)
        x = self.norm1(x + attn_out)
        return self.norm2(x + self.ff(x))


class EventEncoder(nn.Module):
    def __init__(self, n_event_types=20, dim=16, heads=2, depth=2, n_out=1):
        super().__init__()
        self.embed = nn.Embedding(n_event_types + 1, dim, padding_idx=0)
        self.blocks = nn.ModuleList(MaskedAttentionBlock(dim, heads) for _ in range(depth))
        self.head = nn.Linear(dim, n_out)

    def forward(self, events):
        padding_mask = events == 0
        h = self.embed(events)
        for block in self.blocks:
            h = block(h, padding_mask)
        keep = (~padding_mask).unsqueeze(-1).float()
        return self.head((h * keep).sum(1) / keep.sum(1)).squeeze(-1)


events = torch.tensor([
    [3, 5, 7, 2, 0, 0],
    [1, 1, 4, 0, 0, 0],
    [9, 8, 7, 6, 5, 4],
    [2, 0, 0, 0, 0, 0],
])
risk = torch.tensor([0.2, 0.9, 0.4, 0.1])
model = EventEncoder()
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for epoch in range(10):
    loss = nn.functional.mse_loss(torch.sigmoid(model(events)), risk)
    opt.zero_grad()
    loss.backward()
    opt.step()
print(f"final mse {loss.item():.4f}")
assert model(events).shape == (4,) and torch.isfinite(loss)
print(f"RESULT mse={loss.item():.4f}")
