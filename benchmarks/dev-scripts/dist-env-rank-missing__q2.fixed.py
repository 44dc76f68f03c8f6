# Notebook: reuse the cluster evaluation helpers (which all_reduce their metrics) on one machine
import datetime
import os
import socket

import torch
import torch.distributed as dist
import torch.nn as nn

torch.manual_seed(0)

# %% cell 1: distributed setup copied from the cluster launcher
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
os.environ["MASTER_ADDR"] = "127.0.0.1"
os.environ["MASTER_PORT"] = str(port)
dist.init_process_group(
    backend="gloo",
    init_method="env://",
    rank=0,  # not launched by torchrun, so RANK is not in the environment
    world_size=1,
    timeout=datetime.timedelta(seconds=20),
)


# %% cell 2: evaluation helper shared with the cluster job
def evaluate(model, batches):
    correct = torch.zeros(1)
    total = torch.zeros(1)
    with torch.no_grad():
        for xb, yb in batches:
            correct += (model(xb).argmax(1) == yb).sum()
            total += len(yb)
    dist.all_reduce(correct)
    dist.all_reduce(total)
    return (correct / total).item()


# %% cell 3
model = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 2)).eval()
batches = []
for _ in range(5):
    xb = torch.randn(10, 4)
    batches.append((xb, (xb[:, 0] > 0).long()))
acc = evaluate(model, batches)
print(f"accuracy over {dist.get_world_size()} rank(s): {acc:.3f}")
n_correct = sum((model(xb).argmax(1) == yb).sum().item() for xb, yb in batches)
assert abs(acc - n_correct / 50) < 1e-6 and dist.get_rank() == 0
dist.destroy_process_group()
print(f"RESULT acc={acc:.3f}")
