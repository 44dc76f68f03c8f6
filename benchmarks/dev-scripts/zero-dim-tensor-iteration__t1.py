import random

import numpy as np
import torch
import torch.nn as nn

CLASSES = ["cat", "dog", "bird", "fish"]


def seed_all(seed=0):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def per_class_recall(preds, labels, n_classes):
    correct = (preds == labels).float()
    counts = torch.bincount(labels, minlength=n_classes).clamp(min=1)
    hits = torch.bincount(labels, weights=correct, minlength=n_classes)
    return (hits / counts).sum()


@torch.no_grad()
def evaluate(model, x, y):
    model.eval()
    preds = model(x).argmax(dim=1)
    recall = per_class_recall(preds, y, len(CLASSES))
    report = {}
    for name, r in zip(CLASSES, recall):
        report[name] = round(r.item(), 4)
    return report, (preds == y).float().mean().item()


def main():
    seed_all(0)
    centers = torch.randn(len(CLASSES), 6) * 2
    y = torch.randint(0, len(CLASSES), (160,))
    x = centers[y] + torch.randn(160, 6)

    model = nn.Sequential(nn.Linear(6, 24), nn.ReLU(), nn.Linear(24, len(CLASSES)))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for step in range(60):
        model.train()
        loss = nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()

    report, acc = evaluate(model, x, y)
    assert set(report) == set(CLASSES)
    assert all(0.0 <= v <= 1.0 for v in report.values())
    print(f"RESULT acc={acc:.4f} recall={report}")


if __name__ == "__main__":
    main()
