"""Single-node DDP trainer. Reads rank/world size from the environment (torchrun style),
defaults to a single process so it can be tried locally."""
import datetime
import os
import torch
import torch.distributed as dist
import torch.nn as nn
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import TensorDataset, DataLoader
from torch.utils.data.distributed import DistributedSampler

# NCCL only where CUDA and an NCCL build exist; gloo everywhere else (CPU, Windows, macOS)
BACKEND = "nccl" if torch.cuda.is_available() and dist.is_nccl_available() else "gloo"
CONFIG = {"backend": BACKEND, "batch_size": 16, "lr": 0.01, "epochs": 2}


def setup():
    os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
    os.environ.setdefault("MASTER_PORT", "29563")
    rank = int(os.environ.get("RANK", 0))
    world = int(os.environ.get("WORLD_SIZE", 1))
    dist.init_process_group(CONFIG["backend"], rank=rank, world_size=world,
                            timeout=datetime.timedelta(seconds=30))
    return rank, world


def main():
    rank, world = setup()
    torch.manual_seed(0)
    ds = TensorDataset(torch.randn(64, 10), torch.randint(0, 2, (64,)))
    loader = DataLoader(ds, batch_size=CONFIG["batch_size"],
                        sampler=DistributedSampler(ds, num_replicas=world, rank=rank, seed=0))
    model = DDP(nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 2)))
    opt = torch.optim.SGD(model.parameters(), lr=CONFIG["lr"])
    for epoch in range(CONFIG["epochs"]):
        loader.sampler.set_epoch(epoch)
        for xb, yb in loader:
            loss = nn.functional.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
        if rank == 0:
            print(f"epoch {epoch} loss {loss.item():.4f}")
    dist.destroy_process_group()
    return loss.item()


if __name__ == "__main__":
    final = main()
    assert final == final and dist.is_available()
    print(f"RESULT backend={CONFIG['backend']} loss={final:.4f}")
