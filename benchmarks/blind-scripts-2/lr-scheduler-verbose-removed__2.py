import torch
import torch.nn as nn
import torch.nn.functional as F

CONFIG = {
    "optimizer": {"name": "adamw", "lr": 3e-3, "weight_decay": 0.01},
    "scheduler": {"name": "cosine", "t_max": 8, "eta_min": 1e-5, "verbose": True},
    "epochs": 8,
}


def build_optimizer(model, cfg):
    if cfg["name"] == "adamw":
        return torch.optim.AdamW(model.parameters(), lr=cfg["lr"], weight_decay=cfg["weight_decay"])
    return torch.optim.SGD(model.parameters(), lr=cfg["lr"])


def build_scheduler(optimizer, cfg):
    if cfg["name"] == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(
            optimizer, T_max=cfg["t_max"], eta_min=cfg["eta_min"], verbose=cfg.get("verbose", False))
    if cfg["name"] == "step":
        return torch.optim.lr_scheduler.StepLR(optimizer, step_size=cfg["step_size"], gamma=0.1)
    raise ValueError(cfg["name"])


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.l1, self.l2 = nn.Linear(10, 32), nn.Linear(32, 4)

    def forward(self, x):
        return self.l2(F.silu(self.l1(x)))


torch.manual_seed(0)
model = MLP()
opt = build_optimizer(model, CONFIG["optimizer"])
sched = build_scheduler(opt, CONFIG["scheduler"])
x, y = torch.randn(64, 10), torch.randint(0, 4, (64,))
lrs = []
for epoch in range(CONFIG["epochs"]):
    loss = F.cross_entropy(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    sched.step()
    lrs.append(opt.param_groups[0]["lr"])
print("lr schedule", [round(v, 5) for v in lrs])
