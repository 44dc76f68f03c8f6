import io
import random

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def seed_all(seed=0):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU())
        self.head = nn.Linear(32, 2)

    def forward(self, x):
        return self.head(self.backbone(x))


def set_backbone_trainable(model, flag):
    for p in model.backbone.parameters():
        p.requires_grad = flag


def make_optimizer(model):
    return torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-3)


def train_steps(model, opt, x, y, steps):
    for _ in range(steps):
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return loss.item()


def save_checkpoint(model, opt, step):
    buf = io.BytesIO()
    torch.save({"model": model.state_dict(), "optim": opt.state_dict(), "step": step}, buf)
    buf.seek(0)
    return buf


def resume(buf):
    ckpt = torch.load(buf)
    model = Net()
    model.load_state_dict(ckpt["model"])
    opt = make_optimizer(model)
    opt.load_state_dict(ckpt["optim"])
    return model, opt, ckpt["step"]


def main():
    seed_all(0)
    x = torch.randn(64, 10)
    y = (x[:, 0] > 0).long()

    model = Net()
    set_backbone_trainable(model, False)
    opt = make_optimizer(model)
    loss = train_steps(model, opt, x, y, 10)
    buf = save_checkpoint(model, opt, step=10)
    print(f"stage 1 (head only) loss {loss:.4f}")

    model, opt, step = resume(buf)
    set_backbone_trainable(model, False)
    loss2 = train_steps(model, opt, x, y, 10)
    assert opt.state_dict()["state"][0]["step"].item() == 20
    assert np.isfinite(loss2)
    print(f"RESULT resumed_from={step} loss={loss2:.4f}")


if __name__ == "__main__":
    main()
