# %% notebook cell 1: imports and config
import os
import socket

import torch
import torch.distributed as dist
import torch.nn as nn

config = {"backend": "gloo", "hidden": 16, "steps": 20, "lr": 0.05}

# %% cell 2: process group (the all_reduce below keeps the code identical to the cluster version)
world_size = int(os.environ.get("WORLD_SIZE", 1))
rank_env = int(os.environ.get("RANK", 0))
if "MASTER_PORT" not in os.environ:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        os.environ["MASTER_PORT"] = str(sock.getsockname()[1])
os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
dist.init_process_group(backend=config["backend"], init_method="env://", world_size=world_size, rank=rank_env)
rank = dist.get_rank()
print(f"rank {rank} of {world_size}")

# %% cell 3: model and data
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(3, config["hidden"]), nn.SiLU(), nn.Linear(config["hidden"], 1))
x = torch.linspace(-1, 1, 60).unsqueeze(1).repeat(1, 3)
y = (x ** 2).sum(1, keepdim=True)
opt = torch.optim.Adam(model.parameters(), lr=config["lr"])

# %% cell 4: training with manual gradient averaging
for step in range(config["steps"]):
    loss = nn.functional.mse_loss(model(x), y)
    opt.zero_grad()
    loss.backward()
    for p in model.parameters():
        dist.all_reduce(p.grad)
        p.grad /= world_size
    opt.step()
print(f"final loss {loss.item():.4f}")
dist.destroy_process_group()
assert world_size == 1 and rank == 0 and torch.isfinite(loss)
print(f"RESULT rank={rank} loss={loss.item():.4f}")
