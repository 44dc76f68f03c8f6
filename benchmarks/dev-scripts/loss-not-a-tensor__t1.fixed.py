import random

import numpy as np
import torch
import torch.nn as nn


def seed_all(seed=0):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


class MultiTaskLoss(nn.Module):
    """Regression + classification loss; also returns a dict of scalars for logging."""

    def __init__(self, reg_weight=0.5):
        super().__init__()
        self.reg_weight = reg_weight
        self.ce = nn.CrossEntropyLoss()
        self.mse = nn.MSELoss()

    def forward(self, outputs, targets):
        cls_loss = self.ce(outputs["logits"], targets["label"])
        reg_loss = self.mse(outputs["value"], targets["value"])
        total = cls_loss + self.reg_weight * reg_loss
        logs = {"cls": cls_loss.item(), "reg": reg_loss.item(), "total": total.item()}
        return total, logs


class TwoHeadNet(nn.Module):
    def __init__(self, d_in=12, hidden=32, n_classes=3):
        super().__init__()
        self.trunk = nn.Sequential(nn.Linear(d_in, hidden), nn.Tanh())
        self.cls = nn.Linear(hidden, n_classes)
        self.reg = nn.Linear(hidden, 1)

    def forward(self, x):
        h = self.trunk(x)
        return {"logits": self.cls(h), "value": self.reg(h).squeeze(-1)}


def train(model, criterion, opt, x, targets, steps):
    history = []
    for step in range(steps):
        outputs = model(x)
        loss, logs = criterion(outputs, targets)
        opt.zero_grad()
        loss.backward()
        opt.step()
        history.append(criterion(model(x), targets)[1]["total"])
    return history


def main():
    seed_all(0)
    x = torch.randn(96, 12)
    targets = {"label": torch.randint(0, 3, (96,)), "value": x[:, :3].sum(1)}
    model = TwoHeadNet()
    criterion = MultiTaskLoss()
    opt = torch.optim.Adam(model.parameters(), lr=5e-3)
    history = train(model, criterion, opt, x, targets, steps=25)
    assert len(history) == 25 and np.isfinite(history).all()
    assert history[-1] < history[0]
    print(f"RESULT start={history[0]:.4f} end={history[-1]:.4f}")


if __name__ == "__main__":
    main()
