"""Evaluate a 4-class classifier and write the metrics to a JSON report."""
import json
import os
import tempfile

import torch
import torch.nn as nn

torch.manual_seed(0)
N_CLASSES = 4


def per_class_scores(pred, target, n_classes):
    tp = torch.zeros(n_classes)
    fp = torch.zeros(n_classes)
    fn = torch.zeros(n_classes)
    for c in range(n_classes):
        tp[c] = ((pred == c) & (target == c)).sum()
        fp[c] = ((pred == c) & (target != c)).sum()
        fn[c] = ((pred != c) & (target == c)).sum()
    precision = tp / (tp + fp).clamp(min=1)
    recall = tp / (tp + fn).clamp(min=1)
    f1 = 2 * precision * recall / (precision + recall).clamp(min=1e-8)
    return precision, recall, f1


def evaluate(model, x, y):
    model.eval()
    with torch.no_grad():
        pred = model(x).argmax(dim=1)
    precision, recall, f1 = per_class_scores(pred, y, N_CLASSES)
    return {
        "accuracy": float((pred == y).float().mean()),
        "macro_precision": float(precision),
        "macro_recall": float(recall),
        "macro_f1": float(f1),
    }


if __name__ == "__main__":
    centers = torch.randn(N_CLASSES, 6) * 3
    y = torch.randint(0, N_CLASSES, (200,))
    x = centers[y] + torch.randn(200, 6)
    model = nn.Linear(6, N_CLASSES)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(100):
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    report = evaluate(model, x, y)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "metrics.json")
        with open(path, "w") as f:
            json.dump(report, f, indent=2)
        print(open(path).read())
