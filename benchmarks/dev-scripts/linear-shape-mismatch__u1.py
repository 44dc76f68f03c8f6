import argparse
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import TensorDataset, DataLoader


def get_args():
    p = argparse.ArgumentParser(description="small CNN on synthetic 32x32 RGB images")
    p.add_argument("--image-size", type=int, default=32)
    p.add_argument("--channels", type=int, nargs=2, default=[16, 32])
    p.add_argument("--num-classes", type=int, default=4)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--batch-size", type=int, default=16)
    return p.parse_args([])


class SmallCNN(nn.Module):
    def __init__(self, image_size, channels, num_classes):
        super().__init__()
        c1, c2 = channels
        self.conv1 = nn.Conv2d(3, c1, 3, padding=1)
        self.conv2 = nn.Conv2d(c1, c2, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        feat = image_size // 2
        self.fc1 = nn.Linear(c2 * feat * feat, 64)
        self.fc2 = nn.Linear(64, num_classes)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        return self.fc2(F.relu(self.fc1(x)))


def synthetic_images(n, size, num_classes, seed=0):
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, num_classes, (n,), generator=g)
    x = 0.3 * torch.randn(n, 3, size, size, generator=g)
    for c in range(num_classes):
        q = size // 2
        r, col = divmod(c, 2)
        x[y == c, :, r * q:(r + 1) * q, col * q:(col + 1) * q] += 1.0
    return x, y


def main():
    args = get_args()
    torch.manual_seed(0)
    x, y = synthetic_images(160, args.image_size, args.num_classes)
    loader = DataLoader(TensorDataset(x, y), batch_size=args.batch_size, shuffle=True,
                        generator=torch.Generator().manual_seed(0))
    model = SmallCNN(args.image_size, args.channels, args.num_classes)
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    for epoch in range(args.epochs):
        for xb, yb in loader:
            logits = model(xb)
            loss = F.cross_entropy(logits, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
        print(f"epoch {epoch} loss {loss.item():.4f}")
    with torch.no_grad():
        acc = (model(x).argmax(1) == y).float().mean().item()
    assert logits.shape[1] == args.num_classes
    assert torch.isfinite(loss) and acc > 0.9, acc
    print(f"RESULT acc={acc:.3f}")


if __name__ == "__main__":
    main()
