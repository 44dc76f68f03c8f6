"""Binary classifier for tabular data with a map-style Dataset and early stopping.

Features arrive as float64 NumPy arrays, as from pandas; they are standardised
with training-set statistics and converted to float32 once, in the Dataset.
The model returns one logit per row, squeezed to [N] to match the [N] targets
of BCEWithLogitsLoss.
"""
import copy

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


N_CITIES = 6


def synthetic_table(n_rows: int, n_features: int, rng: np.random.Generator):
    X = rng.normal(size=(n_rows, n_features)) * rng.uniform(0.5, 20.0, size=n_features)
    weights = rng.normal(size=n_features) / X.std(axis=0)
    city = rng.integers(0, N_CITIES, size=n_rows)
    city_effect = np.linspace(-1.0, 1.0, N_CITIES)[city]
    y = (X @ weights + city_effect + 0.3 * rng.normal(size=n_rows) > 0).astype(np.float64)
    return X, city, y


class Standardiser:
    """Column-wise z-scoring fitted on training data only."""

    def fit(self, X: np.ndarray) -> "Standardiser":
        self.mean = X.mean(axis=0)
        self.std = X.std(axis=0) + 1e-8
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        return (X - self.mean) / self.std


class TableDataset(Dataset):
    """Numeric columns as float32, the categorical column as int64 ids for an Embedding."""

    def __init__(self, X: np.ndarray, city: np.ndarray, y: np.ndarray) -> None:
        self.X = torch.from_numpy(X.astype(np.float32))
        self.city = torch.from_numpy(city.astype(np.int64))
        self.y = torch.from_numpy(y.astype(np.float32))

    def __len__(self) -> int:
        return len(self.y)

    def __getitem__(self, index: int):
        return (self.X[index], self.city[index]), self.y[index]


class TabularMLP(nn.Module):
    def __init__(self, n_features: int, n_categories: int, emb_dim: int = 3,
                 hidden: tuple[int, ...] = (64, 32), dropout: float = 0.1) -> None:
        super().__init__()
        self.category = nn.Embedding(n_categories, emb_dim)
        layers: list[nn.Module] = []
        width = n_features + emb_dim
        for h in hidden:
            layers += [nn.Linear(width, h), nn.BatchNorm1d(h), nn.ReLU(), nn.Dropout(dropout)]
            width = h
        layers.append(nn.Linear(width, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, inputs: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        numeric, category = inputs
        x = torch.cat([numeric, self.category(category)], dim=1)
        return self.net(x).squeeze(1)


@torch.no_grad()
def evaluate(model: nn.Module, loader: DataLoader, criterion: nn.Module) -> tuple[float, float]:
    model.eval()
    losses, correct, count = 0.0, 0, 0
    for xb, yb in loader:
        logits = model(xb)
        losses += criterion(logits, yb).item() * len(yb)
        correct += ((logits > 0).float() == yb).sum().item()
        count += len(yb)
    return losses / count, correct / count


def fit(model, train_loader, val_loader, epochs: int = 15, patience: int = 3):
    criterion = nn.BCEWithLogitsLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3, weight_decay=1e-5)
    best_loss, best_state, bad_epochs = float("inf"), None, 0
    for epoch in range(epochs):
        model.train()
        for xb, yb in train_loader:
            optimizer.zero_grad()
            loss = criterion(model(xb), yb)
            loss.backward()
            optimizer.step()
        val_loss, val_acc = evaluate(model, val_loader, criterion)
        print(f"epoch {epoch}: val loss {val_loss:.3f} acc {val_acc:.3f}")
        if val_loss < best_loss - 1e-4:
            best_loss, best_state, bad_epochs = val_loss, copy.deepcopy(model.state_dict()), 0
        else:
            bad_epochs += 1
            if bad_epochs >= patience:
                print("early stop")
                break
    model.load_state_dict(best_state)
    return best_loss


def main() -> None:
    rng = np.random.default_rng(7)
    torch.manual_seed(7)
    X, city, y = synthetic_table(600, 10, rng)
    split = 480
    scaler = Standardiser().fit(X[:split])
    train_ds = TableDataset(scaler.transform(X[:split]), city[:split], y[:split])
    val_ds = TableDataset(scaler.transform(X[split:]), city[split:], y[split:])
    # drop_last keeps BatchNorm from ever seeing a one-row training batch
    train_loader = DataLoader(train_ds, batch_size=64, shuffle=True, drop_last=True)
    val_loader = DataLoader(val_ds, batch_size=256)

    model = TabularMLP(n_features=10, n_categories=N_CITIES)
    best = fit(model, train_loader, val_loader)
    print(f"best validation loss {best:.3f}")

    model.eval()
    row = torch.from_numpy(scaler.transform(X[:1]).astype(np.float32))
    row_city = torch.from_numpy(city[:1].astype(np.int64))
    with torch.no_grad():
        prob = torch.sigmoid(model((row, row_city))).item()
    print(f"probability for the first row: {prob:.3f}")


if __name__ == "__main__":
    main()
