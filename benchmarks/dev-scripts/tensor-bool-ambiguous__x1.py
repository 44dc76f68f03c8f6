"""Training with validation-based early stopping and best-checkpoint tracking."""
import copy

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset, random_split

CONFIG = {"patience": 3, "max_epochs": 25, "lr": 1e-2, "batch_size": 32}


def build_loaders():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(240, 4, generator=g)
    y = x @ torch.tensor([[1.5], [-2.0], [0.5], [0.0]]) + 0.1 * torch.randn(240, 1, generator=g)
    train_ds, val_ds = random_split(TensorDataset(x, y), [200, 40], generator=g)
    return (DataLoader(train_ds, batch_size=CONFIG["batch_size"], shuffle=True, generator=g),
            DataLoader(val_ds, batch_size=len(val_ds)))


def validate(model, loader, crit):
    model.eval()
    with torch.no_grad():
        xb, yb = next(iter(loader))
        return crit(model(xb), yb)


def main():
    torch.manual_seed(0)
    train_loader, val_loader = build_loaders()
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 1))
    opt = torch.optim.Adam(model.parameters(), lr=CONFIG["lr"])
    train_crit = nn.MSELoss()
    val_crit = nn.MSELoss(reduction="none")

    best_loss, best_state, bad_epochs = float("inf"), None, 0
    for epoch in range(CONFIG["max_epochs"]):
        model.train()
        for xb, yb in train_loader:
            loss = train_crit(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
        val_loss = validate(model, val_loader, val_crit)
        if val_loss < best_loss:
            best_loss, best_state, bad_epochs = float(val_loss), copy.deepcopy(model.state_dict()), 0
        else:
            bad_epochs += 1
            if bad_epochs >= CONFIG["patience"]:
                break
    model.load_state_dict(best_state)
    final = validate(model, val_loader, val_crit).mean().item()
    assert abs(final - best_loss) < 1e-6
    assert best_loss < 0.5, best_loss
    print(f"RESULT epochs={epoch + 1} best_val={best_loss:.4f}")


if __name__ == "__main__":
    main()
