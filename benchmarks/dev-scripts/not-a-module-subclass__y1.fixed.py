"""Configurable MLP for a two-moons style binary classification task."""
import math
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)

ACTIVATIONS = {"relu": nn.ReLU, "gelu": nn.GELU, "tanh": nn.Tanh}
CONFIG = {"hidden": [32, 32], "activation": "gelu", "dropout": 0.1, "lr": 5e-3, "steps": 150}


def two_moons(n=200, noise=0.1):
    t = torch.rand(n) * math.pi
    upper = torch.stack([torch.cos(t), torch.sin(t)], 1)
    lower = torch.stack([1 - torch.cos(t), 0.5 - torch.sin(t)], 1)
    x = torch.cat([upper, lower]) + noise * torch.randn(2 * n, 2)
    y = torch.cat([torch.zeros(n), torch.ones(n)])
    return x, y


def build_mlp(in_dim, hidden, activation, dropout, out_dim=1):
    layers = []
    prev = in_dim
    for width in hidden:
        layers.append(nn.Linear(prev, width))
        layers.append(ACTIVATIONS[activation]())
        layers.append(nn.Dropout(dropout))
        prev = width
    layers.append(nn.Linear(prev, out_dim))
    return nn.Sequential(*layers)


def train(cfg):
    x, y = two_moons()
    model = build_mlp(2, cfg["hidden"], cfg["activation"], cfg["dropout"])
    opt = torch.optim.Adam(model.parameters(), lr=cfg["lr"])
    for step in range(cfg["steps"]):
        model.train()
        logits = model(x).squeeze(1)
        loss = F.binary_cross_entropy_with_logits(logits, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 50 == 0:
            print(f"step {step:3d} loss {loss.item():.4f}")
    model.eval()
    with torch.no_grad():
        acc = ((model(x).squeeze(1) > 0).float() == y).float().mean().item()
    print(f"train accuracy {acc:.3f}")
    return model, loss.item(), acc


if __name__ == "__main__":
    model, final_loss, acc = train(CONFIG)
    assert isinstance(model[1], nn.GELU) and len(model) == 7
    assert math.isfinite(final_loss) and acc > 0.8
    print(f"RESULT ok loss={final_loss:.4f} acc={acc:.3f}")
