"""Small regression training with early stopping on validation loss."""
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)

CFG = {"epochs": 20, "lr": 1e-2, "patience": 3, "batch_size": 32}


W_TRUE = torch.randn(8, 1)


def make_data(n=256):
    x = torch.randn(n, 8)
    y = x @ W_TRUE + 0.1 * torch.randn(n, 1)
    return TensorDataset(x, y)


class Regressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1))

    def forward(self, x):
        return self.net(x)


def evaluate(model, loader, crit):
    model.eval()
    losses = []
    with torch.no_grad():
        for xb, yb in loader:
            losses.append(crit(model(xb), yb))
    return torch.cat(losses).mean(dim=1)


def main():
    train_dl = DataLoader(make_data(), batch_size=CFG["batch_size"], shuffle=True)
    val_dl = DataLoader(make_data(64), batch_size=CFG["batch_size"])
    model = Regressor()
    opt = torch.optim.Adam(model.parameters(), lr=CFG["lr"])
    train_crit = nn.MSELoss()
    val_crit = nn.MSELoss(reduction="none")  # keep per-sample losses for later analysis
    best, bad_epochs = float("inf"), 0
    for epoch in range(CFG["epochs"]):
        model.train()
        for xb, yb in train_dl:
            opt.zero_grad()
            loss = train_crit(model(xb), yb)
            loss.backward()
            opt.step()
        val_loss = evaluate(model, val_dl, val_crit)
        if val_loss < best:
            best, bad_epochs = val_loss, 0
        else:
            bad_epochs += 1
        if bad_epochs >= CFG["patience"]:
            print(f"early stop at epoch {epoch}")
            break
    print("best val", best)


if __name__ == "__main__":
    main()
