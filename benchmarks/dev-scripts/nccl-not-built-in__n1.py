"""Single-node DDP launcher (world_size=1 for a smoke test) training a tabular classifier."""
import os
import socket
from dataclasses import dataclass

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler


@dataclass
class TrainConfig:
    world_size: int = 1
    rank: int = 0
    epochs: int = 3
    batch_size: int = 32
    lr: float = 5e-3
    n_features: int = 16
    n_classes: int = 4


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def setup(cfg):
    os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
    os.environ.setdefault("MASTER_PORT", str(free_port()))
    backend = "nccl"
    dist.init_process_group(backend=backend, rank=cfg.rank, world_size=cfg.world_size)
    device = torch.device(f"cuda:{cfg.rank}") if backend == "nccl" else torch.device("cpu")
    return device


def main():
    cfg = TrainConfig()
    torch.manual_seed(0)
    device = setup(cfg)

    X = torch.randn(256, cfg.n_features)
    y = (X[:, :cfg.n_classes]).argmax(1)
    ds = TensorDataset(X, y)
    sampler = DistributedSampler(ds, num_replicas=cfg.world_size, rank=cfg.rank, shuffle=True, seed=0)
    loader = DataLoader(ds, batch_size=cfg.batch_size, sampler=sampler)

    net = nn.Sequential(nn.Linear(cfg.n_features, 64), nn.ReLU(), nn.Linear(64, cfg.n_classes)).to(device)
    model = DDP(net)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)

    losses = []
    for epoch in range(cfg.epochs):
        sampler.set_epoch(epoch)
        total = 0.0
        for xb, yb in loader:
            xb, yb = xb.to(device), yb.to(device)
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item()
        losses.append(total / len(loader))
        if cfg.rank == 0:
            print(f"epoch {epoch} loss {losses[-1]:.4f}")

    t = torch.tensor([losses[-1]], device=device)
    dist.all_reduce(t)
    dist.destroy_process_group()

    assert len(loader) == 256 // cfg.batch_size
    assert losses[-1] < losses[0]
    print(f"RESULT backend_world={cfg.world_size} loss_first={losses[0]:.4f} loss_last={t.item():.4f}")


if __name__ == "__main__":
    main()
