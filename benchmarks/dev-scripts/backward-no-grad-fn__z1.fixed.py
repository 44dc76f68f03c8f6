"""Tabular house-price regressor with a shared loss helper for train and validation."""
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

torch.set_num_threads(1)  # avoid thread oversubscription on small tensors

np.random.seed(0)
torch.manual_seed(0)

N_FEATURES = 8
rng = np.random.default_rng(0)
X = rng.normal(size=(600, N_FEATURES)).astype(np.float32)
true_w = rng.normal(size=(N_FEATURES, 1)).astype(np.float32)
y = (X @ true_w + 0.1 * rng.normal(size=(600, 1))).astype(np.float32)

train_ds = TensorDataset(torch.from_numpy(X[:500]), torch.from_numpy(y[:500]))
val_ds = TensorDataset(torch.from_numpy(X[500:]), torch.from_numpy(y[500:]))
train_loader = DataLoader(train_ds, batch_size=50, shuffle=True,
                          generator=torch.Generator().manual_seed(0))
val_loader = DataLoader(val_ds, batch_size=100)


class PriceMLP(nn.Module):
    def __init__(self, n_in, hidden=32):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(n_in, hidden), nn.ReLU(), nn.Linear(hidden, 1))

    def forward(self, x):
        return self.net(x)


criterion = nn.MSELoss()


def batch_loss(model, xb, yb):
    """Loss of one batch (used by both the training loop and evaluate())."""
    pred = model(xb)
    return criterion(pred, yb)


@torch.no_grad()
def evaluate(model, loader):
    model.eval()
    total, n = 0.0, 0
    for xb, yb in loader:
        total += batch_loss(model, xb, yb).item() * xb.size(0)
        n += xb.size(0)
    model.train()
    return total / n


model = PriceMLP(N_FEATURES)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
val_history = [evaluate(model, val_loader)]
for epoch in range(8):
    for xb, yb in train_loader:
        loss = batch_loss(model, xb, yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    val_history.append(evaluate(model, val_loader))
    print(f"epoch {epoch}: val mse {val_history[-1]:.4f}")

assert np.isfinite(val_history).all()
assert val_history[-1] < 0.5 * val_history[0], val_history
print(f"RESULT val_mse_start={val_history[0]:.4f} val_mse_end={val_history[-1]:.4f}")
