import random

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

random.seed(4)
np.random.seed(4)
torch.manual_seed(4)


class StripesDataset(Dataset):
    """8x8 grayscale images: horizontal vs vertical stripes, with noise."""

    def __init__(self, n=120, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.labels = torch.randint(0, 2, (n,), generator=g)
        base = torch.zeros(2, 1, 8, 8)
        base[0, :, ::2, :] = 1.0
        base[1, :, :, ::2] = 1.0
        self.images = base[self.labels] + 0.4 * torch.randn(n, 1, 8, 8, generator=g)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, idx):
        return self.images[idx], self.labels[idx], idx


class SmallCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 8, 3, padding=1)
        self.c2 = nn.Conv2d(8, 16, 3, padding=1)
        self.fc = nn.Linear(16 * 2 * 2, 2)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c1(x)), 2)
        x = F.max_pool2d(F.relu(self.c2(x)), 2)
        return self.fc(x.flatten(1))


def evaluate(model, loader):
    model.eval()
    wrong, correct, total = [], 0, 0
    with torch.no_grad():
        for images, labels, idx in loader:
            pred = model(images).argmax(1)
            correct += (pred == labels).sum().item()
            total += labels.numel()
            wrong.extend(idx[pred != labels].tolist())
    return correct / total, wrong


def main():
    train_ds, val_ds = StripesDataset(120, seed=0), StripesDataset(40, seed=1)
    train_loader = DataLoader(train_ds, batch_size=16, shuffle=True,
                              generator=torch.Generator().manual_seed(4))
    val_loader = DataLoader(val_ds, batch_size=20)
    model = SmallCNN()
    opt = torch.optim.Adam(model.parameters(), lr=5e-3)
    for epoch in range(4):
        model.train()
        for images, labels in train_loader:
            loss = F.cross_entropy(model(images), labels)
            opt.zero_grad()
            loss.backward()
            opt.step()
        acc, wrong = evaluate(model, val_loader)
        print(f"epoch {epoch} loss {loss.item():.4f} val_acc {acc:.3f} misclassified {wrong[:5]}")

    assert torch.isfinite(loss)
    assert acc > 0.8, acc
    print(f"RESULT val_acc={acc:.3f} n_wrong={len(wrong)}")


if __name__ == "__main__":
    main()
