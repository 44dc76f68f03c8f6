"""Evaluation entry point shared by single-process and multi-GPU runs."""
import argparse

import torch
import torch.distributed as dist
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler


def parse_args(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--distributed", action="store_true", default=True,
                   help="shard the eval set across ranks (default: on, as in training)")
    p.add_argument("--batch-size", type=int, default=16)
    return p.parse_args(argv)


def is_dist():
    return dist.is_available() and dist.is_initialized()


def build_eval_loader(args):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(64, 10, generator=g)
    y = (x[:, 0] > 0).long()
    ds = TensorDataset(x, y)
    sampler = DistributedSampler(ds, shuffle=False) if args.distributed and is_dist() else None
    return DataLoader(ds, batch_size=args.batch_size, sampler=sampler, shuffle=False)


@torch.no_grad()
def evaluate(model, loader):
    model.eval()
    correct = torch.zeros(1)
    total = torch.zeros(1)
    for x, y in loader:
        correct += (model(x).argmax(1) == y).sum()
        total += len(y)
    return correct, total


def main(argv=None):
    args = parse_args(argv)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(10, 8), nn.ReLU(), nn.Linear(8, 2))
    loader = build_eval_loader(args)
    correct, total = evaluate(model, loader)
    if args.distributed and is_dist():
        dist.all_reduce(correct)
        dist.all_reduce(total)
    acc = (correct / total).item()
    print(f"accuracy over {int(total.item())} samples: {acc:.3f}")
    return acc, int(total.item())


if __name__ == "__main__":
    acc, total = main([])
    assert total == 64 and 0.0 <= acc <= 1.0
    print(f"RESULT acc={acc:.3f} samples={total}")
