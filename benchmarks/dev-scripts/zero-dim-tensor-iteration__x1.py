"""Evaluate a multi-class model and report per-class accuracy."""
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

N_CLASSES = 3


def make_split(n, seed):
    rng = np.random.default_rng(seed)
    centers = np.array([[0, 0], [3, 0], [0, 3]], dtype=np.float32)
    y = rng.integers(0, N_CLASSES, n)
    x = centers[y] + rng.standard_normal((n, 2)).astype(np.float32)
    return TensorDataset(torch.from_numpy(x), torch.from_numpy(y).long())


def correct_per_class(logits, targets):
    preds = logits.argmax(dim=1)
    hit = (preds == targets).float()
    onehot = nn.functional.one_hot(targets, N_CLASSES).float()
    return (hit.unsqueeze(1) * onehot).sum(), onehot.sum(0)


def evaluate(model, loader):
    model.eval()
    corrects, totals = [], []
    with torch.no_grad():
        for xb, yb in loader:
            c, t = correct_per_class(model(xb), yb)
            corrects.append(c)
            totals.append(t)
    correct = sum(corrects)
    total = sum(totals)
    per_class = {}
    for k, (c, t) in enumerate(zip(correct, total)):
        per_class[k] = (c / t).item()
    return per_class


def main():
    torch.manual_seed(0)
    train = DataLoader(make_split(300, 0), batch_size=32, shuffle=True)
    test = DataLoader(make_split(90, 1), batch_size=32)
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, N_CLASSES))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for epoch in range(5):
        model.train()
        for xb, yb in train:
            loss = nn.functional.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
    per_class = evaluate(model, test)
    assert len(per_class) == N_CLASSES
    assert all(0.0 <= v <= 1.0 for v in per_class.values())
    assert min(per_class.values()) > 0.6, per_class
    print("RESULT " + " ".join(f"class{k}={v:.3f}" for k, v in per_class.items()))


if __name__ == "__main__":
    main()
