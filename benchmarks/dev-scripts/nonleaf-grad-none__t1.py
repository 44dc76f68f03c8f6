import random

import numpy as np
import torch
import torch.nn as nn

MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)


def seed_all(seed=0):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def build_model(n_classes=4):
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(),
        nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, n_classes),
    )


def preprocess(raw_uint8):
    x = raw_uint8.float().div(255.0).requires_grad_(True)
    return (x - MEAN) / STD


def saliency(model, raw_uint8):
    model.eval()
    x = preprocess(raw_uint8)
    logits = model(x)
    target = logits.argmax(dim=1)
    score = logits.gather(1, target.unsqueeze(1)).sum()
    model.zero_grad()
    score.backward()
    grad = x.grad
    sal = grad.abs().amax(dim=1)
    return sal, target


def main():
    seed_all(0)
    model = build_model()
    raw = torch.randint(0, 256, (2, 3, 20, 20), dtype=torch.uint8)
    sal, target = saliency(model, raw)
    assert sal.shape == (2, 20, 20)
    assert torch.isfinite(sal).all() and sal.sum() > 0
    print(f"RESULT targets={target.tolist()} sal_max={sal.max().item():.4e}")


if __name__ == "__main__":
    main()
