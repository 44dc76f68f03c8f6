"""Pre-norm transformer-ish block for token sequences."""
import torch
import torch.nn as nn

torch.manual_seed(0)
D_MODEL, N_HEADS, FF = 48, 4, 96


class Block(nn.Module):
    def __init__(self, d_model=D_MODEL):
        super().__init__()
        self.ln1 = nn.LayerNorm(d_model)
        self.attn = nn.MultiheadAttention(d_model, N_HEADS, batch_first=True)
        self.ln2 = nn.LayerNorm(FF)
        self.ff = nn.Sequential(nn.Linear(d_model, FF), nn.GELU(), nn.Linear(FF, d_model))

    def forward(self, x):
        h = self.ln1(x)
        x = x + self.attn(h, h, h, need_weights=False)[0]
        return x + self.ff(self.ln2(x))


emb = nn.Embedding(100, D_MODEL)
block = Block()
head = nn.Linear(D_MODEL, 2)
params = [*emb.parameters(), *block.parameters(), *head.parameters()]
opt = torch.optim.AdamW(params, lr=1e-3)
tokens = torch.randint(0, 100, (8, 12))
y = torch.randint(0, 2, (8,))
for step in range(5):
    opt.zero_grad()
    logits = head(block(emb(tokens)).mean(1))
    loss = nn.functional.cross_entropy(logits, y)
    loss.backward()
    opt.step()
assert logits.shape == (8, 2) and torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")
