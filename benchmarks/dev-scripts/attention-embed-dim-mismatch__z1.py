"""Tiny transformer-style intent classifier on synthetic token sequences."""
import argparse
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

torch.set_num_threads(1)  # small CPU job: one intra-op thread is faster here


def parse_args(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--vocab-size", type=int, default=500)
    p.add_argument("--emb-dim", type=int, default=48)
    p.add_argument("--d-model", type=int, default=64)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--num-classes", type=int, default=6)
    p.add_argument("--seq-len", type=int, default=20)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--lr", type=float, default=3e-3)
    return p.parse_args(argv)


class IntentClassifier(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.embed = nn.Embedding(cfg.vocab_size, cfg.emb_dim)
        self.pos = nn.Parameter(torch.zeros(1, cfg.seq_len, cfg.emb_dim))
        self.attn = nn.MultiheadAttention(cfg.d_model, cfg.heads, batch_first=True)
        self.norm = nn.LayerNorm(cfg.emb_dim)
        self.head = nn.Linear(cfg.emb_dim, cfg.num_classes)

    def forward(self, tokens):
        x = self.embed(tokens) + self.pos[:, : tokens.size(1)]
        attn_out, _ = self.attn(x, x, x, need_weights=False)
        x = self.norm(x + attn_out)
        return self.head(x.mean(dim=1))


def make_data(cfg, n=256):
    g = torch.Generator().manual_seed(1)
    tokens = torch.randint(1, cfg.vocab_size, (n, cfg.seq_len), generator=g)
    labels = tokens[:, 0] % cfg.num_classes  # learnable rule
    return TensorDataset(tokens, labels)


def main():
    torch.manual_seed(0)
    cfg = parse_args([])
    loader = DataLoader(make_data(cfg), batch_size=32, shuffle=True,
                        generator=torch.Generator().manual_seed(0))
    model = IntentClassifier(cfg)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    history = []
    for epoch in range(cfg.epochs):
        total = 0.0
        for tokens, labels in loader:
            logits = model(tokens)
            loss = F.cross_entropy(logits, labels)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * tokens.size(0)
        history.append(total / len(loader.dataset))
        print(f"epoch {epoch} loss {history[-1]:.4f}")
    assert all(torch.isfinite(torch.tensor(history)))
    assert history[-1] < history[0], history
    with torch.no_grad():
        out = model(loader.dataset.tensors[0][:5])
    assert out.shape == (5, cfg.num_classes)
    print(f"RESULT first_loss={history[0]:.4f} last_loss={history[-1]:.4f}")


if __name__ == "__main__":
    main()
