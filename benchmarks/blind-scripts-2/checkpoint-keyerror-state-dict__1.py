import argparse
import os
import tempfile

import torch
import torch.nn as nn


class ResidualMLP(nn.Module):
    def __init__(self, in_dim=10, hidden=32, out_dim=3):
        super().__init__()
        self.stem = nn.Linear(in_dim, hidden)
        self.res = nn.Sequential(nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, hidden))
        self.fc = nn.Linear(hidden, out_dim)

    def forward(self, x):
        h = self.stem(x)
        return self.fc(h + self.res(h))


def publish_pretrained(path):
    """Stand-in for the upstream release: they ship the raw weights only."""
    torch.manual_seed(123)
    torch.save(ResidualMLP().state_dict(), path)


def load_checkpoint(model, path):
    ckpt = torch.load(path, map_location="cpu", weights_only=True)
    model.load_state_dict(ckpt["state_dict"])
    start_epoch = ckpt.get("epoch", 0)
    return start_epoch


def finetune(model, epochs, start_epoch=0):
    torch.manual_seed(0)
    x, y = torch.randn(64, 10), torch.randint(0, 3, (64,))
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    for epoch in range(start_epoch, start_epoch + epochs):
        loss = nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        print(f"epoch {epoch} loss {loss.item():.4f}")
    return loss


parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=3)
args = parser.parse_args([])

with tempfile.TemporaryDirectory() as tmp:
    weights = os.path.join(tmp, "resmlp_pretrained.pth")
    publish_pretrained(weights)
    model = ResidualMLP()
    start = load_checkpoint(model, weights)
    finetune(model, args.epochs, start)
