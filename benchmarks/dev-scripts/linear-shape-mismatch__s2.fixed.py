# Sentence-pair scorer: GRU encoder, mean-pool over time, then an MLP on [u, v, |u - v|].
import torch
import torch.nn as nn

CONFIG = dict(vocab=200, emb=24, hidden=48, max_len=15, batch=10)


class SiameseScorer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.emb = nn.Embedding(cfg["vocab"], cfg["emb"])
        self.enc = nn.GRU(cfg["emb"], cfg["hidden"], batch_first=True)
        self.mlp = nn.Sequential(nn.Linear(3 * cfg["hidden"], 64), nn.Tanh(), nn.Linear(64, 1))

    def encode(self, ids):
        states, _ = self.enc(self.emb(ids))  # [batch, time, hidden]
        return states.mean(dim=1)

    def forward(self, a, b):
        u, v = self.encode(a), self.encode(b)
        return self.mlp(torch.cat([u, v, (u - v).abs()], dim=-1)).squeeze(-1)


def fake_batch(cfg, gen):
    a = torch.randint(0, cfg["vocab"], (cfg["batch"], cfg["max_len"]), generator=gen)
    b = a.clone()
    flip = torch.rand(cfg["batch"], generator=gen) < 0.5
    b[flip] = torch.randint(0, cfg["vocab"], (int(flip.sum()), cfg["max_len"]), generator=gen)
    return a, b, (~flip).float()


def main():
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    model = SiameseScorer(CONFIG)
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    for step in range(10):
        a, b, same = fake_batch(CONFIG, gen)
        loss = nn.functional.binary_cross_entropy_with_logits(model(a, b), same)
        opt.zero_grad()
        loss.backward()
        opt.step()
    print(f"final loss {loss.item():.4f}")
    assert model.encode(a).shape == (CONFIG["batch"], CONFIG["hidden"])
    assert model(a, b).shape == (CONFIG["batch"],)
    print(f"RESULT loss={loss.item():.4f}")


main()
