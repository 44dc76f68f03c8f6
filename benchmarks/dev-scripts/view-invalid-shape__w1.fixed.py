import argparse
import random

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

random.seed(15)
np.random.seed(15)
torch.manual_seed(15)
torch.set_num_threads(1)


class ConvNet(nn.Module):
    def __init__(self, in_channels=3, num_classes=10, image_size=32):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.flat_dim = 16 * (image_size // 4) ** 2
        self.fc = nn.Linear(self.flat_dim, num_classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.view(x.size(0), self.flat_dim)
        return self.fc(x)


def synthetic_digits(n, size, num_classes, seed):
    g = torch.Generator().manual_seed(seed)
    templates = (torch.rand(num_classes, 1, size, size, generator=torch.Generator().manual_seed(0)) > 0.7).float()
    y = torch.randint(0, num_classes, (n,), generator=g)
    x = templates[y] + 0.3 * torch.randn(n, 1, size, size, generator=g)
    return TensorDataset(x, y)


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--image-size", type=int, default=28)
    p.add_argument("--num-classes", type=int, default=10)
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--batch-size", type=int, default=32)
    return p.parse_args([])


def main():
    args = parse_args()
    train = synthetic_digits(320, args.image_size, args.num_classes, seed=1)
    test = synthetic_digits(100, args.image_size, args.num_classes, seed=2)
    train_loader = DataLoader(train, batch_size=args.batch_size, shuffle=True,
                              generator=torch.Generator().manual_seed(15))
    model = ConvNet(in_channels=1, num_classes=args.num_classes, image_size=args.image_size)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    for epoch in range(args.epochs):
        for x, y in train_loader:
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        print(f"epoch {epoch} loss {loss.item():.4f}")

    model.eval()
    with torch.no_grad():
        x_test, y_test = test.tensors
        logits = model(x_test)
        acc = (logits.argmax(1) == y_test).float().mean().item()
    assert logits.shape == (100, args.num_classes)
    assert torch.isfinite(loss) and acc > 0.5, acc
    print(f"RESULT test_acc={acc:.3f} loss={loss.item():.4f}")


if __name__ == "__main__":
    main()
