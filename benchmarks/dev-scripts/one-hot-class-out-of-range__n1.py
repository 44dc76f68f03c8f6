"""Mixup training for a tiny texture classifier; labels are one-hot encoded for soft targets."""
import random

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

random.seed(0)
np.random.seed(0)
torch.manual_seed(0)

CLASS_NAMES = ["brick", "grass", "gravel", "wood"]


class TextureDataset(Dataset):
    def __init__(self, n_per_class=40, size=16):
        self.class_to_idx = {name: i for i, name in enumerate(sorted(CLASS_NAMES), start=1)}
        self.samples = []
        g = torch.Generator().manual_seed(0)
        for name in CLASS_NAMES:
            freq = 1 + CLASS_NAMES.index(name)
            xs = torch.linspace(0, 2 * np.pi * freq, size)
            pattern = torch.sin(xs)[None, :] * torch.cos(xs)[:, None]
            for _ in range(n_per_class):
                img = pattern + 0.3 * torch.randn(size, size, generator=g)
                self.samples.append((img.unsqueeze(0), name))

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, i):
        img, name = self.samples[i]
        return img, self.class_to_idx[name]


def mixup(x, y_onehot, alpha=0.4):
    lam = float(np.random.beta(alpha, alpha))
    perm = torch.randperm(x.size(0))
    return lam * x + (1 - lam) * x[perm], lam * y_onehot + (1 - lam) * y_onehot[perm]


model = nn.Sequential(
    nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
    nn.Flatten(), nn.Linear(32, len(CLASS_NAMES)),
)
ds = TextureDataset()
loader = DataLoader(ds, batch_size=20, shuffle=True)
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
num_classes = len(CLASS_NAMES)

epoch_losses = []
for epoch in range(8):
    tot = 0.0
    for imgs, labels in loader:
        targets = F.one_hot(labels, num_classes=num_classes).float()
        imgs, targets = mixup(imgs, targets)
        logits = model(imgs)
        loss = torch.sum(-targets * F.log_softmax(logits, dim=-1), dim=-1).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        tot += loss.item()
    epoch_losses.append(tot / len(loader))

model.eval()
with torch.no_grad():
    all_x = torch.stack([s[0] for s in ds.samples])
    all_y = torch.tensor([ds[i][1] for i in range(len(ds))])
    acc = (model(all_x).argmax(1) == all_y).float().mean().item()
print("losses:", [round(v, 3) for v in epoch_losses])
assert epoch_losses[-1] < epoch_losses[0]
assert acc > 0.5, acc
print(f"RESULT loss_first={epoch_losses[0]:.4f} loss_last={epoch_losses[-1]:.4f} acc={acc:.3f}")
