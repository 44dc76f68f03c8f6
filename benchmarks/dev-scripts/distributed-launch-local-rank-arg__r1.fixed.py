"""DDP training script. Run as-is to launch itself on 2 CPU processes via the launcher,
as `python -m torch.distributed.launch --nproc_per_node=2 train_ddp.py` would."""
import argparse
import os
import subprocess
import sys

import torch
import torch.distributed as dist
import torch.nn as nn
from torch.nn.parallel import DistributedDataParallel as DDP


def parse_args():
    p = argparse.ArgumentParser()
    # the launcher passes --local-rank (2.x); torchrun only sets LOCAL_RANK
    p.add_argument("--local_rank", "--local-rank", type=int,
                   default=int(os.environ.get("LOCAL_RANK", 0)))
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--lr", type=float, default=0.05)
    return p.parse_args()


def worker():
    args = parse_args()
    dist.init_process_group("gloo", timeout=__import__("datetime").timedelta(seconds=30))
    torch.manual_seed(0)
    model = DDP(nn.Linear(8, 1))
    opt = torch.optim.SGD(model.parameters(), lr=args.lr)
    x = torch.randn(16, 8) + args.local_rank
    y = x.sum(1, keepdim=True)
    for _ in range(args.epochs):
        loss = nn.functional.mse_loss(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert args.local_rank == int(os.environ["LOCAL_RANK"]) == dist.get_rank()
    assert dist.get_world_size() == 2 and torch.isfinite(loss)
    if dist.get_rank() == 0:
        print(f"rank {dist.get_rank()} local_rank {args.local_rank} loss {loss.item():.4f}")
    dist.destroy_process_group()


if __name__ == "__main__":
    if "RANK" in os.environ:
        worker()
    else:
        env = dict(os.environ, MASTER_ADDR="127.0.0.1", MASTER_PORT="29531", OMP_NUM_THREADS="1")
        cmd = [sys.executable, "-m", "torch.distributed.launch", "--nproc_per_node=2",
               "--master_port=29531", os.path.abspath(__file__)]
        proc = subprocess.run(cmd, env=env, timeout=30)
        assert proc.returncode == 0, proc.returncode
        print("RESULT launched 2 ranks, rc=0")
