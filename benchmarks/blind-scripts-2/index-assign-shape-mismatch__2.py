import torch
import torch.nn as nn

torch.manual_seed(0)

CONFIG = {"n_labeled": 12, "n_unlabeled": 36, "classes": 3, "confidence": 0.7, "rounds": 2}
UNLABELED = -1


def make_pool(cfg):
    g = torch.Generator().manual_seed(0)
    centers = torch.tensor([[2.0, 0.0], [-2.0, 0.0], [0.0, 2.5]])
    n = cfg["n_labeled"] + cfg["n_unlabeled"]
    true = torch.arange(n) % cfg["classes"]
    x = centers[true] + 0.6 * torch.randn(n, 2, generator=g)
    labels = true.clone()
    labels[cfg["n_labeled"]:] = UNLABELED
    return x, labels, true


def fit(model, x, y, epochs=60):
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    for _ in range(epochs):
        loss = nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return loss.item()


def pseudo_label_round(model, x, labels, threshold):
    known = labels != UNLABELED
    fit(model, x[known], labels[known])
    with torch.no_grad():
        probs = model(x).softmax(dim=1)
    conf, pred = probs.max(dim=1)
    pick = torch.nonzero(~known & (conf > threshold)).squeeze(1)
    new_labels = labels.clone()
    new_labels[pick] = pred
    return new_labels, len(pick)


x, labels, true = make_pool(CONFIG)
model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, CONFIG["classes"]))
for r in range(CONFIG["rounds"]):
    labels, added = pseudo_label_round(model, x, labels, CONFIG["confidence"])
    print(f"round {r}: added {added} pseudo-labels, {int((labels != UNLABELED).sum())} labelled")
