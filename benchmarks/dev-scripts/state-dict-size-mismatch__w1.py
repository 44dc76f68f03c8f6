import io
import random

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

random.seed(14)
np.random.seed(14)
torch.manual_seed(14)
torch.set_num_threads(1)


class Classifier(nn.Module):
    def __init__(self, num_classes, d_in=20, hidden=48):
        super().__init__()
        self.backbone = nn.Sequential(
            nn.Linear(d_in, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU()
        )
        self.head = nn.Linear(hidden, num_classes)

    def forward(self, x):
        return self.head(self.backbone(x))


def make_task(num_classes, n, seed):
    g = torch.Generator().manual_seed(seed)
    centers = torch.randn(num_classes, 20, generator=g) * 2
    y = torch.randint(0, num_classes, (n,), generator=g)
    return centers[y] + torch.randn(n, 20, generator=g), y


def fit(model, x, y, steps, lr, params=None):
    opt = torch.optim.Adam(params if params is not None else model.parameters(), lr=lr)
    for _ in range(steps):
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return loss.item()


def pretrain_checkpoint():
    model = Classifier(num_classes=10)
    x, y = make_task(10, 512, seed=0)
    loss = fit(model, x, y, steps=60, lr=3e-3)
    print(f"pretrain loss {loss:.4f}")
    buf = io.BytesIO()
    torch.save({"model": model.state_dict(), "num_classes": 10}, buf)
    buf.seek(0)
    return buf


def main():
    ckpt = torch.load(pretrain_checkpoint(), map_location="cpu")
    state = ckpt["model"]

    model = Classifier(num_classes=3)
    result = model.load_state_dict(state, strict=False)
    print(f"missing={result.missing_keys} unexpected={result.unexpected_keys}")
    for name, p in model.backbone.state_dict().items():
        assert torch.equal(p, state[f"backbone.{name}"]), name

    for p in model.backbone.parameters():
        p.requires_grad_(False)
    x, y = make_task(3, 90, seed=1)
    loss = fit(model, x, y, steps=80, lr=1e-2, params=model.head.parameters())
    with torch.no_grad():
        acc = (model(x).argmax(1) == y).float().mean().item()
    assert np.isfinite(loss) and acc > 0.7, acc
    print(f"RESULT finetune_loss={loss:.4f} acc={acc:.3f}")


if __name__ == "__main__":
    main()
