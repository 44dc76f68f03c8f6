"""Memory-saving fine-tune: weights kept in fp16, loss scaling to avoid gradient underflow."""
import argparse

import torch
import torch.nn as nn


def get_args():
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--fp16", action="store_true", default=True)
    ap.add_argument("--steps", type=int, default=4)
    ap.add_argument("--clip", type=float, default=1.0)
    return ap.parse_args([])


class TextRegressor(nn.Module):
    def __init__(self, vocab=50, dim=32):
        super().__init__()
        self.emb = nn.EmbeddingBag(vocab, dim, mode="mean")
        self.mlp = nn.Sequential(nn.Linear(dim, dim), nn.ReLU(), nn.Linear(dim, 1))

    def forward(self, ids):
        return self.mlp(self.emb(ids)).squeeze(-1)


def main():
    args = get_args()
    torch.manual_seed(0)
    model = TextRegressor().to(args.device)  # master weights stay float32
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, eps=1e-4)
    scaler = torch.amp.GradScaler(args.device, enabled=args.fp16)
    ids = torch.randint(0, 50, (16, 10))
    target = torch.rand(16)
    for step in range(args.steps):
        with torch.autocast(args.device, dtype=torch.float16, enabled=args.fp16):
            pred = model(ids)
        loss = nn.functional.mse_loss(pred.float(), target)
        opt.zero_grad()
        scaler.scale(loss).backward()
        scaler.unscale_(opt)
        nn.utils.clip_grad_norm_(model.parameters(), args.clip)
        scaler.step(opt)
        scaler.update()
        print(f"step {step}: loss {loss.item():.4f} scale {scaler.get_scale():.0f}")
    return model, loss


if __name__ == "__main__":
    model, loss = main()
    assert all(p.dtype == torch.float32 for p in model.parameters()) and torch.isfinite(loss)
    print(f"RESULT loss={loss.item():.4f}")
