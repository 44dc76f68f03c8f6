import csv
import io
import random

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

random.seed(1)
np.random.seed(1)
torch.manual_seed(1)


def make_csv(n_rows=96, n_features=6):
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([f"f{i}" for i in range(n_features)] + ["target"])
    rng = np.random.default_rng(1)
    w = rng.normal(size=n_features)
    for _ in range(n_rows):
        x = rng.normal(size=n_features)
        y = float(x @ w + 0.1 * rng.normal())
        writer.writerow([f"{v:.5f}" for v in x] + [f"{y:.5f}"])
    buf.seek(0)
    return buf


class TabularDataset(Dataset):
    def __init__(self, fh):
        reader = csv.DictReader(fh)
        self.feature_names = [c for c in reader.fieldnames if c != "target"]
        self.rows = list(reader)

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, idx):
        row = self.rows[idx]
        features = torch.tensor([float(row[name]) for name in self.feature_names])
        target = torch.tensor([float(row["target"])])
        return features, target


class Regressor(nn.Module):
    def __init__(self, n_in, hidden=32):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(n_in, hidden), nn.ReLU(), nn.Linear(hidden, 1))

    def forward(self, x):
        return self.net(x)


def train(epochs=5, device="cpu"):
    ds = TabularDataset(make_csv())
    loader = DataLoader(ds, batch_size=16, shuffle=True,
                        generator=torch.Generator().manual_seed(1))
    model = Regressor(len(ds.feature_names)).to(device)
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    loss_fn = nn.MSELoss()
    history = []
    for epoch in range(epochs):
        total = 0.0
        for features, target in loader:
            features = features.to(device)
            target = target.to(device)
            pred = model(features)
            loss = loss_fn(pred, target)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * features.size(0)
        history.append(total / len(ds))
        print(f"epoch {epoch} mse {history[-1]:.4f}")
    return model, history


if __name__ == "__main__":
    model, history = train()
    assert len(history) == 5 and all(np.isfinite(history))
    assert history[-1] < history[0]
    print(f"RESULT first_mse={history[0]:.4f} last_mse={history[-1]:.4f}")
