import argparse

import torch
import torch.nn as nn
from torch.optim.lr_scheduler import MultiStepLR


def train_epoch(model, optimizer, data, targets, bs=25):
    model.train()
    for i in range(0, len(data), bs):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(data[i:i + bs]), targets[i:i + bs])
        loss.backward()
        optimizer.step()
    return loss.item()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--milestones", type=int, nargs="+", default=[2, 4])
    args = parser.parse_args([])

    torch.manual_seed(0)
    data = torch.randn(100, 4)
    targets = data.sum(1, keepdim=True)
    model = nn.Linear(4, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scheduler = MultiStepLR(optimizer, milestones=args.milestones, gamma=0.1)

    history = []
    for epoch in range(args.epochs):
        scheduler.step()
        loss = train_epoch(model, optimizer, data, targets)
        history.append((epoch, optimizer.param_groups[0]["lr"], loss))
        print("epoch %d lr %.4f loss %.5f" % history[-1])
    return history


if __name__ == "__main__":
    main()
