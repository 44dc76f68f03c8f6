import random
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader

random.seed(0)
np.random.seed(0)
torch.manual_seed(0)

DEVICE = torch.device("cpu")
N_FEATURES = 6


class SensorDataset(Dataset):
    """Rows of sensor readings with a binary fault label."""

    def __init__(self, n_rows=200):
        rng = np.random.default_rng(0)
        self.rows = []
        for _ in range(n_rows):
            values = rng.normal(size=N_FEATURES).round(3).tolist()
            label = int(sum(values[:3]) > 0)
            self.rows.append({"values": values, "label": label})

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, idx):
        row = self.rows[idx]
        return row["values"], torch.tensor(row["label"], dtype=torch.float32)


class FaultClassifier(nn.Module):
    def __init__(self, n_in, hidden=32):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(n_in, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, 1)
        )

    def forward(self, x):
        return self.net(x).squeeze(-1)


def train_epoch(model, loader, opt, loss_fn):
    model.train()
    total, n = 0.0, 0
    for features, labels in loader:
        features = features.to(DEVICE)
        labels = labels.to(DEVICE)
        logits = model(features)
        loss = loss_fn(logits, labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item() * labels.size(0)
        n += labels.size(0)
    return total / n


@torch.no_grad()
def accuracy(model, loader):
    model.eval()
    correct, n = 0, 0
    for features, labels in loader:
        preds = (model(features.to(DEVICE)) > 0).float()
        correct += (preds == labels.to(DEVICE)).sum().item()
        n += labels.size(0)
    return correct / n


def main():
    ds = SensorDataset()
    loader = DataLoader(ds, batch_size=16, shuffle=True, generator=torch.Generator().manual_seed(0))
    model = FaultClassifier(N_FEATURES).to(DEVICE)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    loss_fn = nn.BCEWithLogitsLoss()
    for epoch in range(5):
        loss = train_epoch(model, loader, opt, loss_fn)
        print(f"epoch {epoch} loss {loss:.4f}")
    acc = accuracy(model, DataLoader(ds, batch_size=64))
    assert np.isfinite(loss)
    assert acc > 0.8, acc
    print(f"RESULT loss={loss:.4f} acc={acc:.3f}")


if __name__ == "__main__":
    main()
