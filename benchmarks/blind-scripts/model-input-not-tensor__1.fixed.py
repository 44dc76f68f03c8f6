"""Scoring rows prepared with numpy by a trained torch model."""
import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(0)
rng = np.random.default_rng(0)
model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
X_train = torch.randn(50, 4)
y_train = X_train.sum(1, keepdim=True)
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for _ in range(30):
    opt.zero_grad()
    loss = nn.functional.mse_loss(model(X_train), y_train)
    loss.backward()
    opt.step()

# new customers arrive as a float32 numpy matrix from the feature pipeline
new_rows = rng.normal(size=(5, 4)).astype(np.float32)
with torch.no_grad():
    scores = model(torch.from_numpy(new_rows))

scores = scores.squeeze(1).numpy()
assert scores.shape == (5,)
assert np.isfinite(scores).all()
print(f"RESULT score0={scores[0]:.4f}")
