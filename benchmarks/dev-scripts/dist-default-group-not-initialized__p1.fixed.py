"""train.py -- meant for `torchrun --nproc_per_node=N train.py`, here started with plain python."""
import argparse
import os
import tempfile

import torch
import torch.distributed as dist
import torch.nn as nn

torch.manual_seed(0)

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=3)
parser.add_argument("--lr", type=float, default=0.05)
parser.add_argument("--distributed", action="store_true")
args = parser.parse_args([])
# only use collectives when a process group really exists (torchrun + init_process_group)
args.distributed = args.distributed and dist.is_available() and dist.is_initialized()


def is_main_process():
    return not args.distributed or dist.get_rank() == 0


def average_loss(t):
    if args.distributed:
        dist.all_reduce(t, op=dist.ReduceOp.SUM)
        t /= dist.get_world_size()
    return t


model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1))
opt = torch.optim.SGD(model.parameters(), lr=args.lr)
X, y = torch.randn(64, 8), torch.randn(64, 1)
ckpt_dir = tempfile.mkdtemp()

for epoch in range(args.epochs):
    loss = nn.functional.mse_loss(model(X), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    reported = average_loss(loss.detach().clone())
    if is_main_process():
        print(f"epoch {epoch} loss {reported.item():.4f}")
        torch.save(model.state_dict(), os.path.join(ckpt_dir, "last.pt"))
state = torch.load(os.path.join(ckpt_dir, "last.pt"), weights_only=True)
assert torch.equal(state["2.weight"], model[2].weight)
assert not args.distributed and is_main_process()
print(f"RESULT single-process loss {reported.item():.4f}")
