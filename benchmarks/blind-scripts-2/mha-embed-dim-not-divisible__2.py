import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

cfg = dict(n_features=10, n_heads=4, layers=2, epochs=2, batch=32)


class SensorTransformer(nn.Module):
    """Treat each time step's raw feature vector as a token."""

    def __init__(self, n_features, n_heads, layers):
        super().__init__()
        layer = nn.TransformerEncoderLayer(
            d_model=n_features, nhead=n_heads, dim_feedforward=4 * n_features, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=layers)
        self.out = nn.Linear(n_features, 1)

    def forward(self, x):
        return self.out(self.encoder(x).mean(1)).squeeze(-1)


rng = np.random.default_rng(0)
X = rng.standard_normal((128, 24, cfg["n_features"])).astype(np.float32)
y = X[:, :, 0].mean(1).astype(np.float32)
loader = DataLoader(TensorDataset(torch.from_numpy(X), torch.from_numpy(y)), batch_size=cfg["batch"])

torch.manual_seed(0)
model = SensorTransformer(cfg["n_features"], cfg["n_heads"], cfg["layers"])
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(cfg["epochs"]):
    for xb, yb in loader:
        loss = nn.functional.mse_loss(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
    print(f"epoch {epoch}: mse {loss.item():.4f}")
