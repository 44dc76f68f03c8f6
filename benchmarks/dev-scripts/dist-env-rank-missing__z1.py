"""DDP training script for a small regressor, started from an IDE with plain `python train.py`."""
import os
import torch
import torch.distributed as dist
import torch.nn as nn
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler

torch.set_num_threads(1)  # shared CPU box


def setup():
    dist.init_process_group(backend="gloo")
    return dist.get_rank(), dist.get_world_size()


def make_dataset(n=256):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(n, 10, generator=g)
    w = torch.linspace(-1, 1, 10)
    y = x @ w + 0.05 * torch.randn(n, generator=g)
    return TensorDataset(x, y.unsqueeze(1))


def main():
    torch.manual_seed(0)
    rank, world = setup()
    ds = make_dataset()
    sampler = DistributedSampler(ds, num_replicas=world, rank=rank, shuffle=True, seed=0)
    loader = DataLoader(ds, batch_size=32, sampler=sampler)
    model = DDP(nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 1)))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for epoch in range(6):
        sampler.set_epoch(epoch)
        total = torch.zeros(1)
        for x, y in loader:
            loss = nn.functional.mse_loss(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.detach()
        dist.all_reduce(total)
        losses.append(total.item() / (len(loader) * world))
        if rank == 0:
            print(f"epoch {epoch}: mse {losses[-1]:.4f}")
    dist.destroy_process_group()
    assert len(loader) == 256 // (32 * world)
    assert losses[-1] < 0.2 * losses[0], losses
    if rank == 0:
        print(f"RESULT world={world} first={losses[0]:.4f} last={losses[-1]:.4f}")


if __name__ == "__main__":
    main()
