"""Autoencoder for anomaly scoring on tabular sensor data; layer sizes come from a config dict."""
import json

import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(0)
np.random.seed(0)

CONFIG = json.loads("""
{
  "input_dim": 20,
  "encoder_dims": [64, 32, 8],
  "activation": "leaky_relu",
  "lr": 0.003,
  "epochs": 150
}
""")

ACTIVATIONS = {"relu": nn.ReLU, "leaky_relu": nn.LeakyReLU, "gelu": nn.GELU}


def build_mlp(dims, act_name, final_act=False):
    act = ACTIVATIONS[act_name]
    layers = []
    for i, (d_in, d_out) in enumerate(zip(dims[:-1], dims[1:])):
        layers.append(nn.Linear(d_in, d_out))
        if i < len(dims) - 2 or final_act:
            layers.append(act())
    return nn.Sequential(layers)


class AutoEncoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        enc_dims = [cfg["input_dim"]] + cfg["encoder_dims"]
        self.encoder = build_mlp(enc_dims, cfg["activation"])
        self.decoder = build_mlp(enc_dims[::-1], cfg["activation"])

    def forward(self, x):
        return self.decoder(self.encoder(x))


# normal data lives near a low-dimensional subspace
basis = torch.randn(4, CONFIG["input_dim"])
normal = torch.randn(500, 4) @ basis + 0.05 * torch.randn(500, CONFIG["input_dim"])
anomalies = 2.0 * torch.randn(20, CONFIG["input_dim"])

model = AutoEncoder(CONFIG)
opt = torch.optim.Adam(model.parameters(), lr=CONFIG["lr"])
mse = nn.MSELoss()

losses = []
for epoch in range(CONFIG["epochs"]):
    recon = model(normal)
    loss = mse(recon, normal)
    opt.zero_grad()
    loss.backward()
    opt.step()
    losses.append(loss.item())

model.eval()
with torch.no_grad():
    err_normal = ((model(normal) - normal) ** 2).mean(1)
    err_anom = ((model(anomalies) - anomalies) ** 2).mean(1)
threshold = torch.quantile(err_normal, 0.99).item()
flagged = (err_anom > threshold).sum().item()
print(f"threshold={threshold:.4f} flagged {flagged}/{len(anomalies)} anomalies")

assert recon.shape == normal.shape
assert losses[-1] < losses[0]
assert flagged >= 15
print(f"RESULT loss_first={losses[0]:.4f} loss_last={losses[-1]:.4f} flagged={flagged}")
