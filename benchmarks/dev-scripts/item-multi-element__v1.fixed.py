import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

SEED = 0
np.random.seed(SEED)
torch.manual_seed(SEED)

config = {
    "n_train": 256,
    "n_val": 64,
    "n_features": 10,
    "batch_size": 32,
    "epochs": 4,
    "lr": 0.05,
    "pos_weight": 3.0,
}


def make_data(n, d, rng):
    x = rng.normal(size=(n, d)).astype(np.float32)
    logits = x[:, 0] * 2.0 - x[:, 1] + 0.5 * x[:, 2] - 1.5
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-logits))).astype(np.float32)
    return TensorDataset(torch.from_numpy(x), torch.from_numpy(y))


class LogReg(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.linear = nn.Linear(d, 1)

    def forward(self, x):
        return self.linear(x).squeeze(-1)


def train_epoch(model, loader, criterion, opt, pos_weight):
    model.train()
    for x, y in loader:
        per_sample = criterion(model(x), y)
        weights = torch.where(y > 0, pos_weight, 1.0)
        loss = (per_sample * weights).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()


@torch.no_grad()
def evaluate(model, loader, criterion):
    model.eval()
    total_loss, correct, n = 0.0, 0, 0
    for x, y in loader:
        logits = model(x)
        total_loss += criterion(logits, y).sum().item()
        correct += ((logits > 0).float() == y).sum().item()
        n += len(y)
    return total_loss / n, correct / n


def main():
    rng = np.random.default_rng(SEED)
    train_ds = make_data(config["n_train"], config["n_features"], rng)
    val_ds = make_data(config["n_val"], config["n_features"], rng)
    train_loader = DataLoader(train_ds, batch_size=config["batch_size"], shuffle=True,
                              generator=torch.Generator().manual_seed(SEED))
    val_loader = DataLoader(val_ds, batch_size=config["batch_size"])

    model = LogReg(config["n_features"])
    criterion = nn.BCEWithLogitsLoss(reduction="none")
    opt = torch.optim.SGD(model.parameters(), lr=config["lr"], momentum=0.9)

    for epoch in range(config["epochs"]):
        train_epoch(model, train_loader, criterion, opt, config["pos_weight"])
        val_loss, val_acc = evaluate(model, val_loader, criterion)
        print(f"epoch {epoch}: val_loss={val_loss:.4f} val_acc={val_acc:.3f}")
    assert np.isfinite(val_loss) and 0.0 <= val_acc <= 1.0
    assert val_acc > 0.5
    print(f"RESULT val_loss={val_loss:.4f} val_acc={val_acc:.3f}")


if __name__ == "__main__":
    main()
