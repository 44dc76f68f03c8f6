# all-reduce smoke test / gradient-averaging check, launched with mp.spawn
import datetime
import os
import tempfile
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn as nn

WORLD_SIZE = 2


def init_distributed(rank, world_size, init_file, backend="nccl"):
    dist.init_process_group(backend=backend, init_method=f"file://{init_file}",
                            rank=rank, world_size=world_size,
                            timeout=datetime.timedelta(seconds=20))


def average_gradients(model):
    for p in model.parameters():
        dist.all_reduce(p.grad, op=dist.ReduceOp.SUM)
        p.grad /= dist.get_world_size()


def worker(rank, world_size, init_file, out_dir):
    torch.set_num_threads(1)
    init_distributed(rank, world_size, init_file)
    torch.manual_seed(0)                       # same init on every rank
    model = nn.Linear(3, 1)
    x = torch.full((4, 3), float(rank + 1))
    model(x).sum().backward()
    average_gradients(model)
    torch.save(model.weight.grad, os.path.join(out_dir, f"grad{rank}.pt"))
    dist.destroy_process_group()


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        init_file = os.path.join(tmp, "rendezvous")
        mp.spawn(worker, args=(WORLD_SIZE, init_file, tmp), nprocs=WORLD_SIZE, join=True)
        grads = [torch.load(os.path.join(tmp, f"grad{r}.pt")) for r in range(WORLD_SIZE)]
        print("averaged grads:", grads[0])
