# Regression with a custom "robust" loss written in numpy (log-cosh), trained for a few steps.
import argparse
import numpy as np
import torch
import torch.nn as nn


def log_cosh(pred, target):
    diff = pred - target
    return np.mean(np.log(np.cosh(diff)))


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--lr", type=float, default=0.2)
    return p.parse_args([])


def main():
    args = parse_args()
    rng = np.random.default_rng(0)
    torch.manual_seed(0)
    X = rng.normal(size=(200, 3)).astype(np.float32)
    true_w = np.array([1.5, -2.0, 0.5], dtype=np.float32)
    y = X @ true_w + 0.1 * rng.standard_normal(200).astype(np.float32)

    model = nn.Linear(3, 1)
    opt = torch.optim.SGD(model.parameters(), lr=args.lr)
    xt = torch.from_numpy(X)

    for step in range(args.steps):
        pred = model(xt).squeeze(1)
        loss = torch.tensor(log_cosh(pred.detach().numpy(), y))
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 50 == 0:
            print(f"step {step:3d} loss {loss.item():.4f}")
    print("learned weights:", model.weight.data.numpy().round(2))


if __name__ == "__main__":
    main()
