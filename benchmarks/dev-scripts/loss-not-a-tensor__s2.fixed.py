# Multi-task model: shared trunk, a classification head and a regression head.
# The total loss is a weighted sum of the per-task losses, tracked per task for logging.
import torch
import torch.nn as nn
import torch.nn.functional as F

TASK_WEIGHTS = {"cls": 1.0, "reg": 0.5}


class MultiTaskNet(nn.Module):
    def __init__(self, d_in=16, n_classes=3):
        super().__init__()
        self.trunk = nn.Sequential(nn.Linear(d_in, 64), nn.ReLU())
        self.cls_head = nn.Linear(64, n_classes)
        self.reg_head = nn.Linear(64, 1)

    def forward(self, x):
        h = self.trunk(x)
        return {"cls": self.cls_head(h), "reg": self.reg_head(h).squeeze(-1)}


def task_losses(out, batch):
    return {
        "cls": F.cross_entropy(out["cls"], batch["label"]),
        "reg": F.smooth_l1_loss(out["reg"], batch["value"]),
    }


def train(steps=40):
    torch.manual_seed(0)
    x = torch.randn(128, 16)
    batch = {"x": x, "label": (x[:, 0] > 0).long() + (x[:, 1] > 0).long(), "value": x[:, 2:5].sum(1)}
    model = MultiTaskNet()
    opt = torch.optim.Adam(model.parameters(), lr=5e-3)
    history = []
    for step in range(steps):
        losses = task_losses(model(batch["x"]), batch)
        total = 0.0
        for name, value in losses.items():
            total = total + TASK_WEIGHTS[name] * value
        opt.zero_grad()
        total.backward()
        opt.step()
        history.append(total.item())
    return history


hist = train()
print(f"total loss: start {hist[0]:.3f} end {hist[-1]:.3f}")
assert len(hist) == 40 and all(isinstance(v, float) for v in hist)
assert hist[-1] < 0.7 * hist[0]
print(f"RESULT total_loss={hist[-1]:.4f}")
