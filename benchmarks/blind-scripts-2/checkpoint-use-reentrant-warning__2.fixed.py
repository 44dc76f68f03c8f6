import argparse

import torch
import torch.nn as nn
from torch.utils.checkpoint import checkpoint_sequential


def build_mlp(width, depth, n_out):
    layers = []
    for _ in range(depth):
        layers += [nn.Linear(width, width), nn.LayerNorm(width), nn.GELU()]
    layers.append(nn.Linear(width, n_out))
    return nn.Sequential(*layers)


def train(args):
    torch.manual_seed(args.seed)
    net = build_mlp(args.width, args.depth, 5)
    opt = torch.optim.SGD(net.parameters(), lr=args.lr, momentum=0.9)
    x = torch.randn(32, args.width)
    y = torch.randint(0, 5, (32,))
    history = []
    for it in range(args.iters):
        inp = x.detach().requires_grad_(True)
        logits = checkpoint_sequential(net, args.segments, inp, use_reentrant=False)
        loss = nn.functional.cross_entropy(logits, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        history.append(loss.item())
    return net, history


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--width", type=int, default=48)
    parser.add_argument("--depth", type=int, default=6)
    parser.add_argument("--segments", type=int, default=3)
    parser.add_argument("--iters", type=int, default=4)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args([])
    net, history = train(args)
    assert len(history) == args.iters and all(h == h for h in history)
    print(f"RESULT final_loss={history[-1]:.4f}")
