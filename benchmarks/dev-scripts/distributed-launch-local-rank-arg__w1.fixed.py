import argparse
import os
import socket
import subprocess
import sys

import torch
import torch.distributed as dist
import torch.nn as nn
from torch.nn.parallel import DistributedDataParallel as DDP

WORLD_SIZE = 2


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def parse_args():
    parser = argparse.ArgumentParser(description="DDP linear regression (gloo)")
    parser.add_argument("--local-rank", "--local_rank", type=int,
                        default=int(os.environ.get("LOCAL_RANK", 0)))
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--lr", type=float, default=0.1)
    return parser.parse_args()


def worker():
    args = parse_args()
    dist.init_process_group("gloo")
    rank = dist.get_rank()
    torch.manual_seed(0)
    model = DDP(nn.Linear(4, 1))
    opt = torch.optim.SGD(model.parameters(), lr=args.lr)
    g = torch.Generator().manual_seed(100 + rank)
    true_w = torch.tensor([[1.0, -2.0, 0.5, 3.0]])
    for step in range(args.steps):
        x = torch.randn(32, 4, generator=g)
        y = x @ true_w.T + 0.7
        loss = ((model(x) - y) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    w = model.module.weight.detach().clone()
    gathered = [torch.zeros_like(w) for _ in range(dist.get_world_size())]
    dist.all_gather(gathered, w)
    if rank == 0:
        assert all(torch.allclose(gathered[0], t) for t in gathered[1:])
        assert torch.isfinite(loss)
        print(f"RESULT local_rank={args.local_rank} loss={loss.item():.4f} "
              f"w={[round(v, 2) for v in w.flatten().tolist()]}", flush=True)
    dist.destroy_process_group()


def launch():
    cmd = [sys.executable, "-m", "torch.distributed.launch",
           f"--nproc_per_node={WORLD_SIZE}", "--master_addr=127.0.0.1",
           f"--master_port={free_port()}", os.path.abspath(__file__)]
    env = dict(os.environ, OMP_NUM_THREADS="1", DDP_WORKER="1")
    proc = subprocess.run(cmd, env=env, timeout=120)
    sys.exit(proc.returncode)


if __name__ == "__main__":
    if os.environ.get("DDP_WORKER") == "1":
        worker()
    else:
        launch()
