import random

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

CONFIG = {
    "in_features": 20,
    "hidden": 64,
    "num_classes": 3,
    "trainable_prefixes": ("head",),
    "lr": 1e-2,
    "epochs": 3,
    "batch_size": 32,
}


def seed_all(seed=0):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


class TabularNet(nn.Module):
    def __init__(self, in_features, hidden, num_classes):
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Linear(in_features, hidden),
            nn.ReLU(),
            nn.Linear(hidden, hidden),
            nn.ReLU(),
        )
        self.head = nn.Linear(hidden, num_classes)

    def forward(self, x):
        return self.head(self.encoder(x))


def freeze_for_finetune(model, trainable_prefixes):
    n_trainable = 0
    for name, p in model.named_parameters():
        p.requires_grad = name.startswith(tuple(trainable_prefixes))
        n_trainable += p.numel() if p.requires_grad else 0
    return n_trainable


def synthetic_data(n, in_features, num_classes):
    x = torch.randn(n, in_features)
    w = torch.randn(in_features, num_classes)
    y = (x @ w).argmax(1)
    return x, y


def main():
    seed_all(0)
    cfg = CONFIG
    model = TabularNet(cfg["in_features"], cfg["hidden"], cfg["num_classes"])
    pretrained = {k: v.clone() for k, v in model.encoder.state_dict().items()}

    n_trainable = freeze_for_finetune(model, cfg["trainable_prefixes"])
    print(f"trainable params: {n_trainable}")
    opt = torch.optim.SGD(model.parameters(), lr=cfg["lr"], momentum=0.9)

    x, y = synthetic_data(256, cfg["in_features"], cfg["num_classes"])
    losses = []
    for epoch in range(cfg["epochs"]):
        perm = torch.randperm(x.shape[0])
        for i in range(0, x.shape[0], cfg["batch_size"]):
            idx = perm[i:i + cfg["batch_size"]]
            logits = model(x[idx])
            loss = F.cross_entropy(logits, y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        print(f"epoch {epoch} loss {np.mean(losses[-8:]):.4f}")

    for k, v in model.encoder.state_dict().items():
        assert torch.equal(v, pretrained[k]), k
    assert n_trainable == cfg["hidden"] * cfg["num_classes"] + cfg["num_classes"]
    assert np.isfinite(losses).all()
    print(f"RESULT trainable={n_trainable} final_loss={losses[-1]:.4f}")


if __name__ == "__main__":
    main()
