"""Two-process CPU DDP smoke test of a deep MLP-mixer-style model with activation checkpointing."""
import datetime
import os
import socket
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn as nn
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.checkpoint import checkpoint

WORLD_SIZE = 2


class MixerBlock(nn.Module):
    def __init__(self, tokens, dim):
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.token_mix = nn.Linear(tokens, tokens)
        self.channel_mix = nn.Sequential(nn.Linear(dim, dim * 2), nn.GELU(), nn.Linear(dim * 2, dim))

    def forward(self, x):
        x = x + self.token_mix(self.norm1(x).transpose(1, 2)).transpose(1, 2)
        return x + self.channel_mix(self.norm2(x))


class Mixer(nn.Module):
    def __init__(self, tokens=6, dim=16, depth=3, classes=3):
        super().__init__()
        self.blocks = nn.ModuleList(MixerBlock(tokens, dim) for _ in range(depth))
        self.head = nn.Linear(dim, classes)
        self.aux_head = nn.Linear(dim, 1)  # only used when aux targets are given

    def forward(self, x, aux_target=None):
        for blk in self.blocks:
            x = checkpoint(blk, x, use_reentrant=False)
        pooled = x.mean(1)
        if aux_target is not None:
            return self.head(pooled), self.aux_head(pooled)
        return self.head(pooled)


def worker(rank, port):
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank,
                            world_size=WORLD_SIZE, timeout=datetime.timedelta(seconds=30))
    torch.manual_seed(0)
    model = DDP(Mixer(), find_unused_parameters=True)
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    g = torch.Generator().manual_seed(100 + rank)
    x = torch.randn(4, 6, 16, generator=g).requires_grad_()
    y = torch.randint(0, 3, (4,), generator=g)
    for step in range(2):
        loss = nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if rank == 0:
            print(f"step {step} loss {loss.item():.4f}")
    w = model.module.blocks[0].token_mix.weight.detach().clone()
    gathered = [torch.zeros_like(w) for _ in range(WORLD_SIZE)]
    dist.all_gather(gathered, w)
    assert torch.equal(gathered[0], gathered[1]) and torch.isfinite(loss)
    dist.barrier()
    dist.destroy_process_group()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


if __name__ == "__main__":
    ctx = mp.spawn(worker, args=(free_port(),), nprocs=WORLD_SIZE, join=False)
    deadline = time.time() + 50
    while not ctx.join(timeout=5):
        if time.time() > deadline:
            for p in ctx.processes:
                p.terminate()
            raise TimeoutError("DDP workers did not finish in time")
    print("RESULT ranks=2 weights_in_sync")
