"""Masked-mean pooling encoder for variable-length feature sequences."""
import torch
import torch.nn as nn

CFG = dict(feat_dim=12, hidden=32, n_classes=3, n_layers=2, seq_len=10, batch=6, steps=20)


class MaskedMeanPool(nn.Module):
    def forward(self, x, mask):
        m = mask.unsqueeze(-1).to(x.dtype)
        return (x * m).sum(1) / m.sum(1).clamp(min=1.0)


class SeqEncoder(nn.Module):
    def __init__(self, feat_dim, hidden, n_classes, n_layers):
        super().__init__()
        layers = [nn.Linear(feat_dim, hidden), nn.ReLU()]
        for _ in range(n_layers - 1):
            layers += [nn.Linear(hidden, hidden), nn.ReLU()]
        self.proj = nn.Sequential(*layers)
        self.pool = MaskedMeanPool()
        self.norm = nn.LayerNorm(hidden)
        self.cls = nn.Linear(hidden, n_classes)

    def forward(self, x, mask):
        h = self.proj(x)
        pooled = self.norm(self.pool(h, mask))
        return self.cls(pooled)


def make_batch(g):
    x = torch.randn(CFG["batch"], CFG["seq_len"], CFG["feat_dim"], generator=g)
    lengths = torch.randint(2, CFG["seq_len"] + 1, (CFG["batch"],), generator=g)
    mask = torch.arange(CFG["seq_len"]).unsqueeze(0) < lengths.unsqueeze(1)
    y = (x[:, 0, 0] > 0).long() + (x[:, 0, 1] > 1).long()
    return x, mask, y


def main():
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(0)
    model = SeqEncoder(CFG["feat_dim"], CFG["hidden"], CFG["n_classes"], CFG["n_layers"])
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    history = []
    for step in range(CFG["steps"]):
        x, mask, y = make_batch(g)
        logits = model(x, mask)
        loss = nn.functional.cross_entropy(logits, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        history.append(loss.item())
    assert logits.shape == (CFG["batch"], CFG["n_classes"])
    assert all(torch.isfinite(torch.tensor(history)))
    print(f"RESULT steps={len(history)} first={history[0]:.4f} last={history[-1]:.4f}")


if __name__ == "__main__":
    main()
