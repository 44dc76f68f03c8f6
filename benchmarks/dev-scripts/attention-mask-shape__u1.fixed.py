import math
import torch
import torch.nn as nn

torch.manual_seed(0)

CONFIG = {
    "vocab_size": 50,
    "d_model": 32,
    "n_heads": 4,
    "max_len": 64,
    "seq_len": 16,
    "batch_size": 8,
    "steps": 5,
    "lr": 1e-3,
}


class CausalBlock(nn.Module):
    def __init__(self, d_model, n_heads, max_len):
        super().__init__()
        self.attn = nn.MultiheadAttention(d_model, n_heads, batch_first=True)
        self.ln1 = nn.LayerNorm(d_model)
        self.ln2 = nn.LayerNorm(d_model)
        self.ff = nn.Sequential(nn.Linear(d_model, 4 * d_model), nn.GELU(), nn.Linear(4 * d_model, d_model))
        mask = torch.triu(torch.ones(max_len, max_len, dtype=torch.bool), diagonal=1)
        self.register_buffer("causal_mask", mask, persistent=False)

    def forward(self, x):
        seq_len = x.size(1)
        h = self.ln1(x)
        mask = self.causal_mask[:seq_len, :seq_len]
        a, _ = self.attn(h, h, h, attn_mask=mask, need_weights=False)
        x = x + a
        return x + self.ff(self.ln2(x))


class TinyLM(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.tok = nn.Embedding(cfg["vocab_size"], cfg["d_model"])
        self.pos = nn.Embedding(cfg["max_len"], cfg["d_model"])
        self.blocks = nn.ModuleList(
            [CausalBlock(cfg["d_model"], cfg["n_heads"], cfg["max_len"]) for _ in range(2)]
        )
        self.head = nn.Linear(cfg["d_model"], cfg["vocab_size"])

    def forward(self, idx):
        pos = torch.arange(idx.size(1), device=idx.device)
        x = self.tok(idx) + self.pos(pos)[None]
        for blk in self.blocks:
            x = blk(x)
        return self.head(x)


def make_batch(cfg):
    data = torch.randint(0, cfg["vocab_size"], (cfg["batch_size"], cfg["seq_len"] + 1))
    return data[:, :-1], data[:, 1:]


def main():
    cfg = CONFIG
    model = TinyLM(cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg["lr"])
    loss_fn = nn.CrossEntropyLoss()
    losses = []
    for step in range(cfg["steps"]):
        x, y = make_batch(cfg)
        logits = model(x)
        loss = loss_fn(logits.reshape(-1, cfg["vocab_size"]), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
        print(f"step {step} loss {loss.item():.4f}")
    assert logits.shape == (cfg["batch_size"], cfg["seq_len"], cfg["vocab_size"])
    assert all(math.isfinite(v) for v in losses)
    print(f"RESULT final_loss={losses[-1]:.4f}")


if __name__ == "__main__":
    main()
