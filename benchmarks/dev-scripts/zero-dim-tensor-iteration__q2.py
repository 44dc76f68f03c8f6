"""Online hard-example mining: train each step only on the hardest quarter of the batch."""
import argparse

import torch
import torch.nn as nn

parser = argparse.ArgumentParser()
parser.add_argument("--keep", type=float, default=0.25)
parser.add_argument("--steps", type=int, default=200)
parser.add_argument("--seed", type=int, default=0)
args = parser.parse_args()
torch.manual_seed(args.seed)

model = nn.Sequential(nn.Linear(5, 32), nn.ReLU(), nn.Linear(32, 1))
criterion = nn.BCEWithLogitsLoss()
opt = torch.optim.SGD(model.parameters(), lr=0.2)


def sample_batch(n=64):
    x = torch.randn(n, 5)
    y = ((x[:, 0] * x[:, 1]) > 0).float().unsqueeze(1)
    return x, y


def ohem_loss(logits, targets, keep):
    losses = criterion(logits, targets)
    k = max(1, int(keep * len(losses)))
    hardest, _ = losses.flatten().topk(k)
    return hardest.mean()


for step in range(args.steps):
    x, y = sample_batch()
    loss = ohem_loss(model(x), y, args.keep)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 50 == 0:
        print(f"step {step} hard-loss {loss.item():.4f}")

x, y = sample_batch(512)
with torch.no_grad():
    acc = ((model(x) > 0).float() == y).float().mean().item()
print(f"eval accuracy {acc:.3f}")
