"""Transformer encoder over sensor frames; the feature size (15) comes straight from the sensor count."""
import math

import torch
import torch.nn as nn

torch.manual_seed(0)

SENSORS = 15


class SinusoidalPositionalEncoding(nn.Module):
    def __init__(self, d_model, max_len=64):
        super().__init__()
        position = torch.arange(max_len).unsqueeze(1).float()
        div_term = torch.exp(torch.arange(0, d_model, 2).float() * (-math.log(10000.0) / d_model))
        pe = torch.zeros(max_len, d_model)
        pe[:, 0::2] = torch.sin(position * div_term)
        pe[:, 1::2] = torch.cos(position * div_term[: d_model // 2])
        self.register_buffer("pe", pe.unsqueeze(0))

    def forward(self, x):
        return x + self.pe[:, : x.size(1)]


class SensorTransformer(nn.Module):
    def __init__(self, d_model=SENSORS, n_classes=3):
        super().__init__()
        self.pos = SinusoidalPositionalEncoding(d_model)
        layer = nn.TransformerEncoderLayer(d_model, nhead=3, dim_feedforward=32, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)
        self.cls = nn.Linear(d_model, n_classes)

    def forward(self, frames):
        return self.cls(self.encoder(self.pos(frames)).mean(dim=1))


model = SensorTransformer()
frames = torch.randn(4, 20, SENSORS)
labels = torch.tensor([0, 1, 2, 1])
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for step in range(3):
    loss = nn.functional.cross_entropy(model(frames), labels)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f"step {step}: {loss.item():.4f}")
pe = model.pos.pe[0]
assert pe.shape == (64, SENSORS) and torch.allclose(pe[0, 1::2], torch.ones(SENSORS // 2))
assert torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f} pe={tuple(pe.shape)}")
