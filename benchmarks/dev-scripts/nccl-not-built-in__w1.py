import argparse
import os
import socket

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(10)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_args():
    p = argparse.ArgumentParser()
    p.add_argument("--backend", default="nccl")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--batch-size", type=int, default=32)
    return p.parse_args([])


def setup(backend):
    os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
    os.environ.setdefault("MASTER_PORT", str(free_port()))
    rank = int(os.environ.get("RANK", 0))
    world_size = int(os.environ.get("WORLD_SIZE", 1))
    dist.init_process_group(backend=backend, rank=rank, world_size=world_size)
    device = torch.device("cuda", rank) if torch.cuda.is_available() else torch.device("cpu")
    return rank, world_size, device


def main():
    args = get_args()
    rank, world_size, device = setup(args.backend)
    model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 3)).to(device)
    model = nn.parallel.DistributedDataParallel(model)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)

    g = torch.Generator().manual_seed(10 + rank)
    x_all = torch.randn(256, 10, generator=g)
    y_all = (x_all[:, 0] > 0).long() + (x_all[:, 1] > 0).long()
    for epoch in range(args.epochs):
        perm = torch.randperm(len(x_all), generator=g)
        for i in range(0, len(x_all), args.batch_size):
            idx = perm[i:i + args.batch_size]
            x, y = x_all[idx].to(device), y_all[idx].to(device)
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        total = loss.detach().clone()
        dist.all_reduce(total)
        if rank == 0:
            print(f"epoch {epoch} mean loss {total.item() / world_size:.4f}")

    with torch.no_grad():
        acc = (model(x_all.to(device)).argmax(1) == y_all.to(device)).float().mean().item()
    dist.destroy_process_group()
    assert torch.isfinite(loss) and acc > 0.6, acc
    print(f"RESULT backend={args.backend} world_size={world_size} acc={acc:.3f}")


if __name__ == "__main__":
    main()
