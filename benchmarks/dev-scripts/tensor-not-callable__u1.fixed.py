import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)


class HousingModel(nn.Module):
    def __init__(self, n_features):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(n_features, 32), nn.ReLU(), nn.Linear(32, 1))

    def forward(self, x):
        return self.net(x).squeeze(-1)


def make_split(n, n_features, w, seed):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, n_features, generator=g)
    y = x @ w + 0.1 * torch.randn(n, generator=g)
    return TensorDataset(x, y)


def run_epoch(model, loader, loss, opt=None):
    training = opt is not None
    model.train(training)
    total, count = 0.0, 0
    for xb, yb in loader:
        with torch.set_grad_enabled(training):
            pred = model(xb)
            batch_loss = loss(pred, yb)
        if training:
            opt.zero_grad()
            batch_loss.backward()
            opt.step()
        total += batch_loss.item() * yb.size(0)
        count += yb.size(0)
    return total / count


def main():
    n_features = 6
    w = torch.randn(n_features)
    train_ds = make_split(320, n_features, w, seed=1)
    val_ds = make_split(80, n_features, w, seed=2)
    train_loader = DataLoader(train_ds, batch_size=32, shuffle=True,
                              generator=torch.Generator().manual_seed(0))
    val_loader = DataLoader(val_ds, batch_size=80)

    model = HousingModel(n_features)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    loss = nn.MSELoss()
    best = float("inf")
    for epoch in range(10):
        tr = run_epoch(model, train_loader, loss, opt)
        va = run_epoch(model, val_loader, loss)
        best = min(best, va)
        print(f"epoch {epoch} train {tr:.4f} val {va:.4f}")
    assert best < 0.2, best
    assert torch.isfinite(torch.tensor(tr))
    print(f"RESULT best_val_mse={best:.4f}")


if __name__ == "__main__":
    main()
