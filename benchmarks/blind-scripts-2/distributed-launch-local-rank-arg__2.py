# Sharded evaluation: each rank scores its slice of the test set, rank 0 gathers the accuracy.
# `python eval_sharded.py` spawns the workers itself through the PyTorch launcher.
import argparse
import os
import socket
import subprocess
import sys

import torch
import torch.distributed as dist
import torch.nn as nn

NUM_WORKERS = 2


def get_config():
    ap = argparse.ArgumentParser(description="sharded evaluation")
    ap.add_argument("--local_rank", type=int, default=-1, help="set by the launcher")
    ap.add_argument("--n-test", type=int, default=40)
    return ap.parse_args()


def evaluate_shard(cfg):
    dist.init_process_group(backend="gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    torch.manual_seed(0)
    model = nn.Linear(3, 2).eval()
    g = torch.Generator().manual_seed(7)
    x = torch.randn(cfg.n_test, 3, generator=g)
    y = (x[:, 1] > 0).long()
    shard = slice(rank, cfg.n_test, world)
    with torch.no_grad():
        correct = (model(x[shard]).argmax(1) == y[shard]).sum()
    count = torch.tensor(len(y[shard]))
    dist.all_reduce(correct)
    dist.all_reduce(count)
    if rank == 0:
        print(f"local_rank {cfg.local_rank}: accuracy {correct.item() / count.item():.3f} on {count.item()}")
    dist.destroy_process_group()


def spawn_workers():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    proc = subprocess.Popen([sys.executable, "-m", "torch.distributed.launch",
                             f"--nproc_per_node={NUM_WORKERS}", f"--master_port={port}", __file__])
    code = proc.wait(timeout=50)
    if code != 0:
        raise SystemExit(f"evaluation workers failed with exit code {code}")


if __name__ == "__main__":
    if os.environ.get("LOCAL_RANK") is None:
        spawn_workers()
    else:
        evaluate_shard(get_config())
