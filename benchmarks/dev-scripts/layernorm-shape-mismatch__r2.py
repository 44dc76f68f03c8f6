# tabular regression: configurable MLP with LayerNorm after every hidden Linear
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import TensorDataset, DataLoader

np.random.seed(0)
torch.manual_seed(0)

config = {"in_features": 12, "hidden": [64, 32], "dropout": 0.1, "lr": 3e-3, "epochs": 3}


def build_mlp(cfg):
    dims = [cfg["in_features"]] + cfg["hidden"]
    layers = []
    for d_in, d_out in zip(dims[:-1], dims[1:]):
        layers += [nn.Linear(d_in, d_out), nn.LayerNorm(d_in), nn.ReLU(), nn.Dropout(cfg["dropout"])]
    layers.append(nn.Linear(dims[-1], 1))
    return nn.Sequential(*layers)


X = np.random.randn(200, config["in_features"]).astype(np.float32)
w = np.random.randn(config["in_features"], 1).astype(np.float32)
y = X @ w + 0.1 * np.random.randn(200, 1).astype(np.float32)
ds = TensorDataset(torch.from_numpy(X), torch.from_numpy(y))
loader = DataLoader(ds, batch_size=32, shuffle=True, generator=torch.Generator().manual_seed(0))

model = build_mlp(config)
opt = torch.optim.Adam(model.parameters(), lr=config["lr"])
for epoch in range(config["epochs"]):
    running = 0.0
    for xb, yb in loader:
        loss = nn.functional.mse_loss(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        running += loss.item() * len(xb)
    print(f"epoch {epoch} mse {running / len(ds):.4f}")
