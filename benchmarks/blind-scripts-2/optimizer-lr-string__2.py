import argparse

import torch
import torch.nn as nn


def get_args(argv):
    parser = argparse.ArgumentParser(description="fine-tune a small CNN")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--lr", default=0.01)
    parser.add_argument("--momentum", type=float, default=0.9)
    parser.add_argument("--batch-size", type=int, default=16)
    return parser.parse_args(argv)


class SmallCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2))
        self.fc = nn.Linear(6 * 6 * 6, 3)

    def forward(self, x):
        return self.fc(self.features(x).flatten(1))


def main(argv):
    args = get_args(argv)
    torch.manual_seed(0)
    model = SmallCNN()
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum)
    images = torch.randn(48, 1, 16, 16)
    labels = torch.arange(48) % 3
    for epoch in range(args.epochs):
        for i in range(0, 48, args.batch_size):
            out = model(images[i:i + args.batch_size])
            loss = nn.functional.cross_entropy(out, labels[i:i + args.batch_size])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        print(f"epoch {epoch} loss {loss.item():.4f}")
    return model, loss


if __name__ == "__main__":
    main(["--lr", "0.005", "--epochs", "2"])
