"""Data-parallel training on CPU (gloo). Run directly: it starts its own 2-process launch."""
import argparse
import os
import socket
import subprocess
import sys

import torch
import torch.distributed as dist
import torch.nn as nn
from torch.nn.parallel import DistributedDataParallel as DDP


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--local_rank", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=0.05)
    return parser.parse_args()


def train(args):
    dist.init_process_group("gloo")
    rank = dist.get_rank()
    torch.manual_seed(0)
    model = DDP(nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1)))
    opt = torch.optim.SGD(model.parameters(), lr=args.lr)
    g = torch.Generator().manual_seed(rank)
    x = torch.randn(32, 4, generator=g)
    y = x.sum(1, keepdim=True)
    for epoch in range(args.epochs):
        loss = nn.functional.mse_loss(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if rank == 0:
            print(f"[local_rank {args.local_rank}] epoch {epoch} loss {loss.item():.4f}", flush=True)
    dist.destroy_process_group()


def launch_local(nproc):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [sys.executable, "-m", "torch.distributed.launch", f"--nproc_per_node={nproc}",
           "--master_addr=127.0.0.1", f"--master_port={port}", os.path.abspath(__file__)]
    subprocess.run(cmd, check=True, timeout=50)


if __name__ == "__main__":
    if "RANK" in os.environ:
        train(parse_args())
    else:
        launch_local(2)
