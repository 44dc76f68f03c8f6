import copy
import random

import numpy as np
import torch
import torch.nn as nn

CONFIG = {"epochs": 30, "patience": 4, "lr": 5e-3, "min_delta": 1e-4}


def seed_all(seed=0):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def make_split(n, w):
    x = torch.randn(n, 8)
    y = x @ w + 0.1 * torch.randn(n, 1)
    return x, y


def validate(model, x, y, criterion):
    model.eval()
    with torch.no_grad():
        return criterion(model(x), y)


def main():
    seed_all(0)
    w = torch.randn(8, 1)
    x_tr, y_tr = make_split(200, w)
    x_va, y_va = make_split(50, w)

    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1))
    train_crit = nn.MSELoss()
    val_crit = nn.MSELoss(reduction="none")
    opt = torch.optim.Adam(model.parameters(), lr=CONFIG["lr"])

    best, best_state, bad_epochs = float("inf"), None, 0
    for epoch in range(CONFIG["epochs"]):
        model.train()
        for i in range(0, 200, 25):
            loss = train_crit(model(x_tr[i:i + 25]), y_tr[i:i + 25])
            opt.zero_grad()
            loss.backward()
            opt.step()
        val_loss = validate(model, x_va, y_va, val_crit)
        if val_loss < best - CONFIG["min_delta"]:
            best, best_state, bad_epochs = val_loss, copy.deepcopy(model.state_dict()), 0
        else:
            bad_epochs += 1
            if bad_epochs >= CONFIG["patience"]:
                print(f"early stop at epoch {epoch}")
                break

    model.load_state_dict(best_state)
    final = validate(model, x_va, y_va, nn.MSELoss())
    assert torch.isfinite(final) and abs(final.item() - float(best)) < 1e-5
    print(f"RESULT best_val={float(best):.4f} epochs_run={epoch + 1}")


if __name__ == "__main__":
    main()
