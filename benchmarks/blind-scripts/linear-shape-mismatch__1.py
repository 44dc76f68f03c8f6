"""Credit-scoring MLP configured from argparse."""
import argparse
import torch
import torch.nn as nn


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--n-features", type=int, default=20)
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--epochs", type=int, default=10)
    return p.parse_args([])


def build_model(args):
    return nn.Sequential(
        nn.Linear(args.n_features, args.hidden),
        nn.ReLU(),
        nn.Linear(args.n_features, 1),
    )


args = parse_args()
torch.manual_seed(0)
X = torch.randn(300, args.n_features)
y = (X[:, :3].sum(1) > 0).float()
model = build_model(args)
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for epoch in range(args.epochs):
    opt.zero_grad()
    logits = model(X).squeeze(1)
    loss = nn.functional.binary_cross_entropy_with_logits(logits, y)
    loss.backward()
    opt.step()
acc = ((logits > 0).float() == y).float().mean().item()
assert logits.shape == (300,) and torch.isfinite(loss)
print(f"RESULT acc={acc:.3f}")
