# %% [cell 1] config
import math
import torch
import torch.nn as nn

torch.manual_seed(0)
cfg = {"vocab": 40, "d_model": 24, "heads": 3, "block_size": 16, "batch": 4}

# %% [cell 2] causal self-attention block
class CausalSelfAttention(nn.Module):
    def __init__(self, d_model, heads, block_size):
        super().__init__()
        self.attn = nn.MultiheadAttention(d_model, heads, batch_first=True)
        # precompute the causal mask once for the maximum context
        mask = torch.triu(torch.full((block_size, block_size), float("-inf")), diagonal=1)
        self.register_buffer("causal_mask", mask)

    def forward(self, x):
        out, _ = self.attn(x, x, x, attn_mask=self.causal_mask, need_weights=False)
        return x + out


class TinyLM(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.tok = nn.Embedding(c["vocab"], c["d_model"])
        self.pos = nn.Embedding(c["block_size"], c["d_model"])
        self.block = CausalSelfAttention(c["d_model"], c["heads"], c["block_size"])
        self.out = nn.Linear(c["d_model"], c["vocab"])

    def forward(self, idx):
        T = idx.size(1)
        x = self.tok(idx) + self.pos(torch.arange(T))
        return self.out(self.block(x))

# %% [cell 3] train on random sequences, shorter than block_size
model = TinyLM(cfg)
opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
data = torch.randint(0, cfg["vocab"], (32, 11))
for step in range(20):
    batch = data[torch.randint(0, 32, (cfg["batch"],))]
    inp, tgt = batch[:, :-1], batch[:, 1:]
    logits = model(inp)
    loss = nn.functional.cross_entropy(logits.reshape(-1, cfg["vocab"]), tgt.reshape(-1))
    opt.zero_grad()
    loss.backward()
    opt.step()
print("final loss", loss.item(), "ppl", math.exp(loss.item()))
