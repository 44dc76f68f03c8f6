"""DDP training script for a small regression model (gloo backend so it also runs on CPU nodes)."""
import os

import torch
import torch.distributed as dist
import torch.nn as nn
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler


def setup():
    dist.init_process_group(backend="gloo")
    rank = dist.get_rank()
    world = dist.get_world_size()
    return rank, world


def make_dataset(n=128):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(n, 5, generator=g)
    w = torch.tensor([[1.0], [-2.0], [0.5], [0.0], [3.0]])
    return TensorDataset(x, x @ w + 0.01 * torch.randn(n, 1, generator=g))


def main():
    rank, world = setup()
    torch.manual_seed(0)
    model = DDP(nn.Linear(5, 1))
    ds = make_dataset()
    sampler = DistributedSampler(ds, num_replicas=world, rank=rank, shuffle=True, seed=0)
    loader = DataLoader(ds, batch_size=16, sampler=sampler)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for epoch in range(5):
        sampler.set_epoch(epoch)
        for x, y in loader:
            loss = nn.functional.mse_loss(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        if rank == 0:
            print(f"epoch {epoch} loss {loss.item():.5f}")
    weights = model.module.weight.detach().clone()
    dist.destroy_process_group()
    return weights, loss.item(), world, os.environ.get("LOCAL_RANK", "0")


if __name__ == "__main__":
    main()
