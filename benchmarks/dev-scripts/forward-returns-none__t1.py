import random

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def seed_all(seed=0):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


class SmallCNN(nn.Module):
    def __init__(self, n_classes=10, aux_head=False):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
        )
        self.classifier = nn.Linear(16, n_classes)
        self.aux = nn.Linear(16, n_classes) if aux_head else None

    def forward(self, x):
        h = self.features(x).flatten(1)
        logits = self.classifier(h)
        if self.aux is not None and self.training:
            return logits, self.aux(h)
        logits = logits - logits.logsumexp(dim=1, keepdim=True)


def run_epoch(model, opt, images, labels, batch_size=16):
    model.train()
    total = 0.0
    for i in range(0, images.shape[0], batch_size):
        x, y = images[i:i + batch_size], labels[i:i + batch_size]
        out = model(x)
        if isinstance(out, tuple):
            logits, aux_logits = out
            loss = F.cross_entropy(logits, y) + 0.3 * F.cross_entropy(aux_logits, y)
        else:
            loss = F.cross_entropy(out, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item() * x.shape[0]
    return total / images.shape[0]


def main():
    seed_all(0)
    images = torch.randn(64, 1, 12, 12)
    labels = torch.randint(0, 10, (64,))
    model = SmallCNN(aux_head=False)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    losses = [run_epoch(model, opt, images, labels) for _ in range(3)]
    model.eval()
    with torch.no_grad():
        out = model(images[:8])
    assert out.shape == (8, 10)
    assert all(np.isfinite(losses))
    print(f"RESULT losses={[round(l, 4) for l in losses]}")


if __name__ == "__main__":
    main()
