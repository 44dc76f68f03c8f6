"""Plot-ready predictions: model outputs converted to numpy for metrics."""
import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(3, 12), nn.ReLU(), nn.Linear(12, 1))
X = torch.randn(80, 3)
y = X.sum(1, keepdim=True)
opt = torch.optim.Adam(model.parameters(), lr=2e-2)
for epoch in range(60):
    opt.zero_grad()
    loss = nn.functional.mse_loss(model(X), y)
    loss.backward()
    opt.step()


def r2_score(pred: np.ndarray, true: np.ndarray) -> float:
    ss_res = ((true - pred) ** 2).sum()
    ss_tot = ((true - true.mean()) ** 2).sum()
    return float(1 - ss_res / ss_tot)


with torch.no_grad():
    preds = model(X).numpy()
r2 = r2_score(preds, y.numpy())
assert preds.shape == (80, 1)
assert r2 > 0.5, r2
print(f"RESULT r2={r2:.3f}")
