import json
import math
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

CONFIG_TEXT = """
{
  "seed": 0,
  "model": {"in_dim": 8, "hidden": 32, "out_dim": 2},
  "train": {"epochs": 5, "batch_size": 32, "lr": "3e-3", "weight_decay": 0.01}
}
"""


def load_config(text):
    cfg = json.loads(text)
    cfg["train"]["weight_decay"] = float(cfg["train"]["weight_decay"])
    return cfg


class Net(nn.Module):
    def __init__(self, in_dim, hidden, out_dim):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(in_dim, hidden), nn.SiLU(), nn.Linear(hidden, out_dim))

    def forward(self, x):
        return self.layers(x)


def build_optimizer(model, train_cfg):
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (no_decay if name.endswith("bias") else decay).append(p)
    groups = [
        {"params": decay, "weight_decay": train_cfg["weight_decay"]},
        {"params": no_decay, "weight_decay": 0.0},
    ]
    return torch.optim.AdamW(groups, lr=train_cfg["lr"])


def main():
    cfg = load_config(CONFIG_TEXT)
    torch.manual_seed(cfg["seed"])
    x = torch.randn(256, cfg["model"]["in_dim"])
    y = (x[:, 0] * x[:, 1] > 0).long()
    loader = DataLoader(TensorDataset(x, y), batch_size=cfg["train"]["batch_size"], shuffle=True,
                        generator=torch.Generator().manual_seed(cfg["seed"]))
    model = Net(**cfg["model"])
    opt = build_optimizer(model, cfg["train"])
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(cfg["train"]["epochs"]):
        total = 0.0
        for xb, yb in loader:
            loss = loss_fn(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item()
        print(f"epoch {epoch} mean loss {total / len(loader):.4f}")
    assert isinstance(opt.param_groups[0]["lr"], float)
    assert math.isfinite(total)
    print(f"RESULT lr={opt.param_groups[0]['lr']} loss={total / len(loader):.4f}")


if __name__ == "__main__":
    main()
