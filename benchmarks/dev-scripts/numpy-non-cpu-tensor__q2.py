#!/usr/bin/env python
"""Inspect a checkpoint: print shapes and weight statistics of each layer."""
import argparse
import os
import tempfile

import numpy as np
import torch
import torch.nn as nn


def build_checkpoint(path):
    torch.manual_seed(1)
    net = nn.Sequential(
        nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU(),
        nn.Flatten(), nn.Linear(8 * 6 * 6, 10),
    )
    torch.save({"model": net.state_dict(), "epoch": 7}, path)


def summarize(path):
    # map to meta: we only want to look at the tensors, not pay for loading them
    ckpt = torch.load(path, map_location="meta", weights_only=True)
    rows = []
    for name, t in ckpt["model"].items():
        if not t.is_floating_point():
            continue
        arr = t.numpy()
        rows.append((name, tuple(arr.shape), float(np.abs(arr).mean())))
    return ckpt["epoch"], rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", default=None)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.ckpt or os.path.join(tmp, "net.pt")
        if args.ckpt is None:
            build_checkpoint(path)
        epoch, rows = summarize(path)
    print(f"epoch {epoch}")
    for name, shape, mean_abs in rows:
        print(f"{name:20s} {str(shape):18s} mean|w|={mean_abs:.4f}")


if __name__ == "__main__":
    main()
