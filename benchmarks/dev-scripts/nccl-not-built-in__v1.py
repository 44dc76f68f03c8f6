import os
import socket
import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F

TRAIN_CFG = {
    "backend": "nccl",
    "world_size": 1,
    "rank": 0,
    "steps": 6,
    "lr": 0.1,
    "batch": 16,
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def init_distributed(cfg):
    os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
    os.environ.setdefault("MASTER_PORT", str(free_port()))
    dist.init_process_group(backend=cfg["backend"], rank=cfg["rank"],
                            world_size=cfg["world_size"])
    device = torch.device("cuda", cfg["rank"]) if torch.cuda.is_available() else torch.device("cpu")
    return device


def average_gradients(model, world_size):
    for p in model.parameters():
        if p.grad is not None:
            dist.all_reduce(p.grad, op=dist.ReduceOp.SUM)
            p.grad /= world_size


def main():
    cfg = TRAIN_CFG
    torch.manual_seed(cfg["rank"])
    device = init_distributed(cfg)
    model = nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 2)).to(device)
    for p in model.parameters():
        dist.broadcast(p.data, src=0)
    opt = torch.optim.SGD(model.parameters(), lr=cfg["lr"])
    g = torch.Generator().manual_seed(100 + cfg["rank"])
    for step in range(cfg["steps"]):
        x = torch.randn(cfg["batch"], 6, generator=g).to(device)
        y = (x[:, 0] > x[:, 1]).long()
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        average_gradients(model, cfg["world_size"])
        opt.step()
        if cfg["rank"] == 0:
            print(f"step {step} loss {loss.item():.4f}")
    dist.barrier()
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
