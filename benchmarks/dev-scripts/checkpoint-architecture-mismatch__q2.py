#!/usr/bin/env python
"""predict.py: load a tabular classifier checkpoint and score a batch of rows."""
import argparse
import io

import torch
import torch.nn as nn


class TabularNet(nn.Module):
    def __init__(self, n_features=10, hidden=32, n_classes=3, head_type="linear"):
        super().__init__()
        self.backbone = nn.Sequential(nn.Linear(n_features, hidden), nn.ReLU(),
                                      nn.Linear(hidden, hidden), nn.ReLU())
        if head_type == "mlp":
            self.head = nn.Sequential(nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, n_classes))
        else:
            self.head = nn.Linear(hidden, n_classes)

    def forward(self, x):
        return self.head(self.backbone(x))


def fake_training_run():
    """Stands in for train.py, which was launched with --head-type mlp."""
    torch.manual_seed(0)
    cfg = {"n_features": 10, "hidden": 32, "n_classes": 3, "head_type": "mlp"}
    model = TabularNet(**cfg)
    buf = io.BytesIO()
    torch.save({"config": cfg, "state_dict": model.state_dict()}, buf)
    buf.seek(0)
    return buf, model


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--hidden", type=int, default=32)
    p.add_argument("--n-classes", type=int, default=3)
    return p.parse_args([])


def main():
    args = parse_args()
    ckpt_file, trained = fake_training_run()
    ckpt = torch.load(ckpt_file, map_location="cpu")
    model = TabularNet(n_features=10, hidden=args.hidden, n_classes=args.n_classes)
    model.load_state_dict(ckpt["state_dict"])
    model.eval()
    torch.manual_seed(1)
    rows = torch.randn(5, 10)
    with torch.no_grad():
        probs = model(rows).softmax(dim=1)
    for i, p in enumerate(probs):
        print(f"row {i}: class {p.argmax().item()} ({p.max().item():.2f})")


if __name__ == "__main__":
    main()
