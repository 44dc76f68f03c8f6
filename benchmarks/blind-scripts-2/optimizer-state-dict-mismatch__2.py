"""Stage 2: swap in a deeper head and continue from the stage-1 checkpoint."""
import os
import tempfile

import torch
import torch.nn as nn


class Backbone(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten())

    def forward(self, x):
        return self.body(x)


def make_optimizer(backbone, head):
    return torch.optim.SGD([
        {"params": backbone.parameters(), "lr": 1e-3},
        {"params": head.parameters(), "lr": 1e-2},
    ], momentum=0.9)


def step(backbone, head, opt, x, y):
    loss = nn.functional.cross_entropy(head(backbone(x)), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss.item()


torch.manual_seed(0)
x, y = torch.randn(16, 3, 8, 8), torch.randint(0, 5, (16,))

with tempfile.TemporaryDirectory() as run_dir:
    ckpt_path = os.path.join(run_dir, "stage1.pt")
    backbone, head = Backbone(), nn.Linear(8, 5)
    opt = make_optimizer(backbone, head)
    for _ in range(3):
        step(backbone, head, opt, x, y)
    torch.save({"backbone": backbone.state_dict(), "optim": opt.state_dict()}, ckpt_path)

    # stage 2
    state = torch.load(ckpt_path, weights_only=True)
    backbone2 = Backbone()
    backbone2.load_state_dict(state["backbone"])
    head2 = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 5))
    opt2 = make_optimizer(backbone2, head2)
    opt2.load_state_dict(state["optim"])
    losses = [step(backbone2, head2, opt2, x, y) for _ in range(3)]
print("stage 2 losses", [round(v, 4) for v in losses])
