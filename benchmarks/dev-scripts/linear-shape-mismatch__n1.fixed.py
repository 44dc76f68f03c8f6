"""Small CNN digit classifier; sizes come from argparse options."""
import argparse

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
np.random.seed(0)

parser = argparse.ArgumentParser()
parser.add_argument("--img-size", type=int, default=28)
parser.add_argument("--channels", type=int, default=1)
parser.add_argument("--num-classes", type=int, default=10)
parser.add_argument("--width", type=int, default=32)
parser.add_argument("--batch-size", type=int, default=16)
parser.add_argument("--epochs", type=int, default=3)
parser.add_argument("--lr", type=float, default=1e-3)
args = parser.parse_args([])


class DigitNet(nn.Module):
    def __init__(self, in_ch, width, img_size, num_classes):
        super().__init__()
        self.conv1 = nn.Conv2d(in_ch, width, 3, padding=1)
        self.conv2 = nn.Conv2d(width, width * 2, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        feat_side = img_size // 4
        self.fc1 = nn.Linear(width * 2 * feat_side * feat_side, 128)
        self.fc2 = nn.Linear(128, num_classes)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        return self.fc2(x)


n = 128
images = torch.randn(n, args.channels, args.img_size, args.img_size)
labels = torch.randint(0, args.num_classes, (n,))
# make the task learnable: brighten a class-dependent row band
for i in range(n):
    r = int(labels[i]) * 2
    images[i, :, r:r + 2, :] += 2.0
loader = DataLoader(TensorDataset(images, labels), batch_size=args.batch_size, shuffle=True)

model = DigitNet(args.channels, args.width, args.img_size, args.num_classes)
optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)

epoch_losses = []
for epoch in range(args.epochs):
    total, batches = 0.0, 0
    for xb, yb in loader:
        logits = model(xb)
        loss = F.cross_entropy(logits, yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item()
        batches += 1
    epoch_losses.append(total / batches)
    print(f"epoch {epoch}: loss={epoch_losses[-1]:.4f}")

model.eval()
with torch.no_grad():
    acc = (model(images).argmax(1) == labels).float().mean().item()
assert logits.shape[1] == args.num_classes
assert epoch_losses[-1] < epoch_losses[0]
print(f"RESULT loss_first={epoch_losses[0]:.4f} loss_last={epoch_losses[-1]:.4f} train_acc={acc:.3f}")
