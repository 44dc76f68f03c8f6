"""Script written for torchrun, run as a single process: logging only on rank 0."""
import torch
import torch.distributed as dist
import torch.nn as nn

torch.manual_seed(0)
model = nn.Linear(5, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
X, y = torch.randn(40, 5), torch.randn(40, 1)


def is_main_process() -> bool:
    return dist.get_rank() == 0


for epoch in range(5):
    opt.zero_grad()
    loss = nn.functional.mse_loss(model(X), y)
    loss.backward()
    opt.step()
    if is_main_process():
        last = loss.item()

assert last == last
# in a multi-process run only rank 0 reaches this line with `last` set
print(f"RESULT loss={last:.4f}")
