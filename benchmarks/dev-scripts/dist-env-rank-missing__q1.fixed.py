"""train_ddp.py: DDP training script, being debugged from the IDE with plain `python`."""
import argparse
import datetime
import os
import socket

import torch
import torch.distributed as dist
import torch.nn as nn
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler


def get_args():
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--backend", default="gloo")
    return p.parse_args()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def setup(args):
    if "RANK" not in os.environ:  # started with plain python, not torchrun: single process
        os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
        os.environ.setdefault("MASTER_PORT", str(free_port()))
        dist.init_process_group(backend=args.backend, rank=0, world_size=1,
                                timeout=datetime.timedelta(seconds=30))
    else:
        dist.init_process_group(backend=args.backend, timeout=datetime.timedelta(seconds=30))
    return dist.get_rank(), dist.get_world_size()


def main():
    args = get_args()
    rank, world = setup(args)
    torch.manual_seed(0)
    x = torch.randn(128, 6)
    y = x @ torch.arange(1.0, 7.0).unsqueeze(1)
    ds = TensorDataset(x, y)
    sampler = DistributedSampler(ds, num_replicas=world, rank=rank, shuffle=True, seed=0)
    loader = DataLoader(ds, batch_size=args.batch_size, sampler=sampler)
    model = DDP(nn.Linear(6, 1))
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    for epoch in range(args.epochs):
        sampler.set_epoch(epoch)
        for xb, yb in loader:
            opt.zero_grad()
            loss = nn.functional.mse_loss(model(xb), yb)
            loss.backward()
            opt.step()
        if rank == 0:
            print(f"epoch {epoch} loss {loss.item():.4f}")
    assert world == 1 and dist.is_initialized() and loss.item() < 91.0
    dist.destroy_process_group()
    print(f"RESULT world={world} loss={loss.item():.4f}")


if __name__ == "__main__":
    main()
