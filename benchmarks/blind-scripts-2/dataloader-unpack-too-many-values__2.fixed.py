import argparse

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


def parse():
    ap = argparse.ArgumentParser(description="house price regression with periodic validation logging")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--log-interval", type=int, default=2)
    return ap.parse_args([])


def synthetic_houses(n, seed):
    g = torch.Generator().manual_seed(seed)
    rooms = torch.randint(1, 6, (n, 1), generator=g).float()
    area = rooms * 25 + torch.randn(n, 1, generator=g) * 5
    age = torch.rand(n, 1, generator=g) * 50
    price = 50 * rooms + 2 * area - 0.8 * age + torch.randn(n, 1, generator=g) * 10
    x = torch.cat([rooms, area / 100, age / 50], dim=1)
    return TensorDataset(x, price / 100)


@torch.no_grad()
def validate(model, loader, log_interval):
    model.eval()
    errors = []
    for step, (x, y) in enumerate(loader):
        err = (model(x) - y).abs()
        errors.append(err)
        if step % log_interval == 0:
            print(f"  val step {step}: mae {err.mean().item():.3f}")
    return torch.cat(errors).mean().item()


def main():
    args = parse()
    torch.manual_seed(0)
    train_loader = DataLoader(synthetic_houses(96, 0), batch_size=16, shuffle=True)
    val_loader = DataLoader(synthetic_houses(40, 1), batch_size=8)
    model = nn.Sequential(nn.Linear(3, 16), nn.ReLU(), nn.Linear(16, 1))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for epoch in range(args.epochs):
        model.train()
        for x, y in train_loader:
            loss = nn.functional.smooth_l1_loss(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        mae = validate(model, val_loader, args.log_interval)
        print(f"epoch {epoch}: train loss {loss.item():.4f}, val mae {mae:.3f}")
    return mae


if __name__ == "__main__":
    mae = main()
    assert mae == mae and mae >= 0
    print(f"RESULT val_mae={mae:.3f}")
