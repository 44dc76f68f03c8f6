import argparse
import torch
import torch.nn as nn
import torch.nn.functional as F


class TokenRouter(nn.Module):
    """Scores tokens, keeps the top fraction, and runs an MLP only on kept tokens."""

    def __init__(self, d_model, hidden, keep_ratio):
        super().__init__()
        self.score = nn.Linear(d_model, 1)
        self.mlp = nn.Sequential(nn.Linear(d_model, hidden), nn.GELU(), nn.Linear(hidden, d_model))
        self.keep_ratio = keep_ratio

    def forward(self, x):
        b, t, d = x.shape
        flat = x.reshape(b * t, d)
        scores = self.score(flat).squeeze(-1)
        k = max(1, int(self.keep_ratio * flat.shape[0]))
        idx = scores.topk(k).indices
        routed = self.mlp(flat[idx])
        out = torch.zeros(b * t, d, device=x.device)
        out[idx] = routed
        return (flat + out).reshape(b, t, d)


class TinyEncoder(nn.Module):
    def __init__(self, vocab, d_model, hidden, n_classes, keep_ratio):
        super().__init__()
        self.emb = nn.Embedding(vocab, d_model)
        self.router = TokenRouter(d_model, hidden, keep_ratio)
        self.head = nn.Linear(d_model, n_classes)

    def forward(self, tokens):
        h = self.emb(tokens)
        h = self.router(h)
        return self.head(h.mean(dim=1))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--seq", type=int, default=12)
    parser.add_argument("--amp", action="store_true", default=True)
    args = parser.parse_args([])

    torch.manual_seed(0)
    model = TinyEncoder(vocab=50, d_model=16, hidden=32, n_classes=3, keep_ratio=0.5)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)

    tokens = torch.randint(0, 50, (args.batch * args.steps, args.seq))
    labels = torch.randint(0, 3, (args.batch * args.steps,))

    losses = []
    for step in range(args.steps):
        xb = tokens[step * args.batch:(step + 1) * args.batch]
        yb = labels[step * args.batch:(step + 1) * args.batch]
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.amp):
            logits = model(xb)
            loss = F.cross_entropy(logits.float(), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
        print(f"step {step} loss {loss.item():.4f}")

    print("mean loss", sum(losses) / len(losses))


if __name__ == "__main__":
    main()
