"""Training entry point that runs alone or under torchrun, chosen by flags and environment.

Without --distributed it trains in this one process. With --distributed it
reads RANK/WORLD_SIZE/LOCAL_RANK as torchrun sets them, picks nccl only when
CUDA is present (gloo otherwise), shards data with DistributedSampler
(shuffle is left to the sampler, and set_epoch reseeds it), unwraps
model.module for saving, and writes checkpoints on rank 0 only after a barrier.
"""
import argparse
import os
import tempfile
from contextlib import nullcontext
from pathlib import Path

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--distributed", action="store_true", help="expect to be launched by torchrun")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--out", type=Path, default=None, help="checkpoint folder (temporary if omitted)")
    return parser.parse_args(argv)


def setup(distributed: bool) -> tuple[int, int, torch.device]:
    """Returns (rank, world_size, device), initialising the process group when asked to."""
    if not distributed:
        return 0, 1, torch.device("cuda" if torch.cuda.is_available() else "cpu")
    local_rank = int(os.environ["LOCAL_RANK"])
    if torch.cuda.is_available():
        torch.cuda.set_device(local_rank)
        device = torch.device("cuda", local_rank)
        backend = "nccl"
    else:
        device = torch.device("cpu")
        backend = "gloo"
    dist.init_process_group(backend=backend)
    return dist.get_rank(), dist.get_world_size(), device


def is_main(rank: int) -> bool:
    return rank == 0


def make_loader(batch_size: int, distributed: bool) -> tuple[DataLoader, DistributedSampler | None]:
    g = torch.Generator().manual_seed(10)
    x = torch.randn(512, 16, generator=g)
    y = (x.sum(dim=1) > 0).long()
    dataset = TensorDataset(x, y)
    sampler = DistributedSampler(dataset, drop_last=True) if distributed else None
    loader = DataLoader(dataset, batch_size=batch_size, sampler=sampler,
                        shuffle=sampler is None, drop_last=True,
                        pin_memory=torch.cuda.is_available())
    return loader, sampler


def build_model(device: torch.device, distributed: bool) -> nn.Module:
    model = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 2)).to(device)
    if distributed:
        device_ids = [device.index] if device.type == "cuda" else None
        model = DistributedDataParallel(model, device_ids=device_ids)
    return model


def unwrap(model: nn.Module) -> nn.Module:
    return model.module if isinstance(model, DistributedDataParallel) else model


def train(args: argparse.Namespace, out_dir: Path) -> None:
    rank, world_size, device = setup(args.distributed)
    try:
        loader, sampler = make_loader(args.batch_size, args.distributed)
        model = build_model(device, args.distributed)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        for epoch in range(args.epochs):
            if sampler is not None:
                sampler.set_epoch(epoch)
            model.train()
            total = torch.zeros(2, device=device)
            for x, y in loader:
                x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
                loss = F.cross_entropy(model(x), y)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                total[0] += loss.detach() * y.size(0)
                total[1] += y.size(0)
            if args.distributed:
                dist.all_reduce(total)
            if is_main(rank):
                print(f"epoch {epoch}: mean loss {(total[0] / total[1]).item():.3f} over {world_size} rank(s)")
        if args.distributed:
            dist.barrier()
        if is_main(rank):
            path = out_dir / "model.pt"
            torch.save(unwrap(model).state_dict(), path)
            print("saved", path.name)
    finally:
        if args.distributed:
            dist.destroy_process_group()


def main(argv=None) -> None:
    args = parse_args(argv)
    torch.manual_seed(10)
    context = nullcontext(args.out) if args.out else tempfile.TemporaryDirectory()
    with context as folder:
        out_dir = Path(folder)
        out_dir.mkdir(parents=True, exist_ok=True)
        train(args, out_dir)


if __name__ == "__main__":
    main()
