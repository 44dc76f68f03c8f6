"""Time-series transformer; hyperparameters come from a JSON config file."""
import json
import os
import tempfile

import torch
import torch.nn as nn

torch.manual_seed(0)

CONFIG_TEXT = '{"d_model": 100, "nhead": 8, "layers": 2, "ff": 128, "window": 24, "features": 3}'


def load_config(tmpdir):
    path = os.path.join(tmpdir, "config.json")
    with open(path, "w") as f:
        f.write(CONFIG_TEXT)
    with open(path) as f:
        return json.load(f)


class TSTransformer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.inp = nn.Linear(c["features"], c["d_model"])
        layer = nn.TransformerEncoderLayer(c["d_model"], c["nhead"], c["ff"], dropout=0.1, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, c["layers"], enable_nested_tensor=False)
        self.out = nn.Linear(c["d_model"], 1)

    def forward(self, x):
        return self.out(self.encoder(self.inp(x))[:, -1]).squeeze(-1)


with tempfile.TemporaryDirectory() as tmp:
    cfg = load_config(tmp)

model = TSTransformer(cfg)
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
X = torch.randn(32, cfg["window"], cfg["features"])
y = X[:, -3:, 0].mean(1)
for step in range(8):
    loss = nn.functional.mse_loss(model(X), y)
    opt.zero_grad(); loss.backward(); opt.step()
print("mse", round(loss.item(), 4))
