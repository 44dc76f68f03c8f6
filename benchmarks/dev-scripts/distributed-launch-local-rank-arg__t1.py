import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile

import torch
import torch.distributed as dist
import torch.nn as nn
from torch.nn.parallel import DistributedDataParallel as DDP

WORLD_SIZE = 2


def parse_args():
    p = argparse.ArgumentParser(description="toy DDP regression")
    p.add_argument("--local_rank", type=int, default=0)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--out-dir", type=str, default=None)
    return p.parse_args()


def worker(args):
    dist.init_process_group("gloo")
    rank = dist.get_rank()
    torch.manual_seed(0)
    model = DDP(nn.Linear(4, 1))
    opt = torch.optim.SGD(model.parameters(), lr=args.lr)
    g = torch.Generator().manual_seed(100 + rank)
    x = torch.randn(64, 4, generator=g)
    y = x.sum(1, keepdim=True)
    for _ in range(args.epochs):
        loss = nn.functional.mse_loss(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    w = model.module.weight.detach().clone()
    gathered = [torch.zeros_like(w) for _ in range(dist.get_world_size())]
    dist.all_gather(gathered, w)
    if rank == 0:
        same = all(torch.allclose(gathered[0], t) for t in gathered)
        with open(os.path.join(args.out_dir, "result.json"), "w") as f:
            json.dump({"local_rank": args.local_rank, "loss": loss.item(), "in_sync": same,
                       "world": dist.get_world_size()}, f)
    dist.destroy_process_group()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch():
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "torch.distributed.launch", f"--nproc_per_node={WORLD_SIZE}",
               "--master_addr=127.0.0.1", f"--master_port={free_port()}",
               os.path.abspath(__file__), "--epochs", "3", "--out-dir", tmp]
        env = dict(os.environ, OMP_NUM_THREADS="1")
        proc = subprocess.run(cmd, env=env, timeout=120)
        if proc.returncode != 0:
            sys.exit(proc.returncode)
        with open(os.path.join(tmp, "result.json")) as f:
            res = json.load(f)
    assert res["world"] == WORLD_SIZE and res["in_sync"]
    assert res["loss"] == res["loss"] and res["loss"] < 100
    print(f"RESULT world={res['world']} in_sync={res['in_sync']} loss={res['loss']:.4f}")


if __name__ == "__main__":
    if "LOCAL_RANK" in os.environ:
        worker(parse_args())
    else:
        launch()
