import random
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader, random_split

random.seed(0)
np.random.seed(0)
torch.manual_seed(0)


class HousingDataset(Dataset):
    """Tabular regression rows; also returns the row id so bad predictions can be traced."""

    def __init__(self, n_rows=200, n_features=6):
        rng = np.random.default_rng(0)
        self.features = rng.normal(size=(n_rows, n_features)).astype(np.float32)
        true_w = rng.normal(size=(n_features,)).astype(np.float32)
        self.targets = (self.features @ true_w + 0.1 * rng.normal(size=n_rows)).astype(np.float32)
        self.row_ids = np.arange(n_rows)

    def __len__(self):
        return len(self.targets)

    def __getitem__(self, i):
        x = torch.from_numpy(self.features[i])
        y = torch.tensor(self.targets[i])
        return x, y, int(self.row_ids[i])


class MLP(nn.Module):
    def __init__(self, d_in, d_hidden=32):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(d_in, d_hidden), nn.ReLU(), nn.Linear(d_hidden, 1))

    def forward(self, x):
        return self.net(x).squeeze(-1)


def evaluate(model, loader):
    model.eval()
    worst = (0.0, None)
    sq_err, n = 0.0, 0
    with torch.no_grad():
        for x, y, row_id in loader:
            err = (model(x) - y) ** 2
            sq_err += err.sum().item()
            n += len(y)
            j = int(err.argmax())
            if err[j].item() > worst[0]:
                worst = (err[j].item(), int(row_id[j]))
    return sq_err / n, worst


def main():
    ds = HousingDataset()
    train_ds, val_ds = random_split(ds, [160, 40], generator=torch.Generator().manual_seed(0))
    train_loader = DataLoader(train_ds, batch_size=32, shuffle=True,
                              generator=torch.Generator().manual_seed(0))
    val_loader = DataLoader(val_ds, batch_size=40)

    model = MLP(d_in=6)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    loss_fn = nn.MSELoss()

    for epoch in range(15):
        model.train()
        for x, y, _ in train_loader:
            pred = model(x)
            loss = loss_fn(pred, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        if epoch % 5 == 0:
            mse, worst = evaluate(model, val_loader)
            print(f"epoch {epoch} val_mse {mse:.4f} worst row {worst[1]}")

    mse, worst = evaluate(model, val_loader)
    assert np.isfinite(mse) and mse < 1.0, mse
    assert worst[1] is not None and 0 <= worst[1] < len(ds)
    print(f"RESULT val_mse={mse:.4f} worst_row={worst[1]}")


if __name__ == "__main__":
    main()
