"""Train a small CNN on synthetic 16x16 'digit' images with optional dropout head."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)

CONFIG = {"num_classes": 4, "channels": 8, "dropout": 0.2, "epochs": 3, "lr": 3e-3, "batch_size": 16}


class SmallCNN(nn.Module):
    def __init__(self, num_classes, channels, dropout):
        super().__init__()
        self.conv1 = nn.Conv2d(1, channels, 3, padding=1)
        self.conv2 = nn.Conv2d(channels, channels * 2, 3, padding=1)
        self.pool = nn.AdaptiveAvgPool2d(4)
        self.drop = nn.Dropout(dropout)
        self.fc = nn.Linear(channels * 2 * 16, num_classes)

    def features(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.relu(self.conv2(x))
        return self.pool(x).flatten(1)

    def forward(self, x):
        feats = self.features(x)
        if self.training:
            feats = self.drop(feats)
        logits = self.fc(feats)
        return logits


def make_dataset(n, num_classes):
    labels = torch.randint(0, num_classes, (n,))
    images = torch.randn(n, 1, 16, 16) * 0.5
    for i, c in enumerate(labels.tolist()):
        images[i, 0, c * 4:(c + 1) * 4, :] += 2.0
    return TensorDataset(images, labels)


def run_epoch(model, loader, opt):
    model.train()
    total, n = 0.0, 0
    for x, y in loader:
        logits = model(x)
        loss = F.cross_entropy(logits, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item() * len(y)
        n += len(y)
    return total / n


@torch.no_grad()
def accuracy(model, loader):
    model.eval()
    correct = sum((model(x).argmax(1) == y).sum().item() for x, y in loader)
    return correct / len(loader.dataset)


def main(cfg):
    train = DataLoader(make_dataset(256, cfg["num_classes"]), batch_size=cfg["batch_size"], shuffle=True)
    test = DataLoader(make_dataset(64, cfg["num_classes"]), batch_size=64)
    model = SmallCNN(cfg["num_classes"], cfg["channels"], cfg["dropout"])
    opt = torch.optim.Adam(model.parameters(), lr=cfg["lr"])
    for epoch in range(cfg["epochs"]):
        loss = run_epoch(model, train, opt)
        print(f"epoch {epoch}: train loss {loss:.4f}")
    acc = accuracy(model, test)
    print(f"test accuracy {acc:.3f}")
    return loss, acc


if __name__ == "__main__":
    loss, acc = main(CONFIG)
    out = SmallCNN(4, 8, 0.2)(torch.randn(2, 1, 16, 16))
    assert out.shape == (2, 4)
    assert loss == loss and acc > 0.5
    print(f"RESULT ok loss={loss:.4f} acc={acc:.3f}")
