# Iterative refinement net (one shared block unrolled K times), trained with DDP over gloo on CPU.
import datetime
import socket

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn as nn
import torch.utils.checkpoint as cp
from torch.nn.parallel import DistributedDataParallel

CFG = {"world_size": 2, "dim": 12, "unroll": 3, "steps": 2, "lr": 0.02}


class RefineStep(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.update = nn.Sequential(nn.Linear(2 * dim, dim), nn.Tanh())

    def forward(self, state, obs):
        return state + self.update(torch.cat([state, obs], dim=-1))


class Refiner(nn.Module):
    def __init__(self, dim, unroll):
        super().__init__()
        self.unroll = unroll
        self.init = nn.Linear(dim, dim)
        self.step = RefineStep(dim)  # same weights at every iteration
        self.readout = nn.Linear(dim, 1)

    def forward(self, obs):
        state = self.init(obs)
        for _ in range(self.unroll):
            state = cp.checkpoint(self.step, state, obs, use_reentrant=True)
        return self.readout(state)


def train(rank, port, cfg):
    dist.init_process_group(backend="gloo", init_method=f"tcp://127.0.0.1:{port}",
                            world_size=cfg["world_size"], rank=rank,
                            timeout=datetime.timedelta(seconds=30))
    torch.manual_seed(0)
    net = DistributedDataParallel(Refiner(cfg["dim"], cfg["unroll"]))
    opt = torch.optim.Adam(net.parameters(), lr=cfg["lr"])
    g = torch.Generator().manual_seed(rank)
    obs = torch.randn(8, cfg["dim"], generator=g)
    target = obs.sum(dim=1, keepdim=True)
    for it in range(cfg["steps"]):
        loss = nn.functional.mse_loss(net(obs), target)
        opt.zero_grad()
        loss.backward()
        opt.step()
    print(f"rank {rank}: final loss {loss.item():.4f}")
    dist.barrier()
    dist.destroy_process_group()


def pick_port():
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


if __name__ == "__main__":
    procs = mp.spawn(train, args=(pick_port(), CFG), nprocs=CFG["world_size"], join=False)
    for _ in range(10):
        if procs.join(timeout=5):
            break
    else:
        for p in procs.processes:
            p.kill()
        raise SystemExit("timed out waiting for ranks")
