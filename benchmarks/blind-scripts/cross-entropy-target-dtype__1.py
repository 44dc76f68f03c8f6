"""Labels read from a float CSV-like table go straight into CrossEntropyLoss."""
import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(0)
rng = np.random.default_rng(0)

table = np.column_stack([rng.normal(size=(120, 4)), rng.integers(0, 3, size=120)])
features = torch.tensor(table[:, :4], dtype=torch.float32)
labels = torch.tensor(table[:, 4], dtype=torch.float32)

model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3))
criterion = nn.CrossEntropyLoss()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)

for epoch in range(20):
    opt.zero_grad()
    logits = model(features)
    loss = criterion(logits, labels)
    loss.backward()
    opt.step()

acc = (logits.argmax(1) == labels).float().mean().item()
assert logits.shape == (120, 3)
assert torch.isfinite(loss)
print(f"RESULT acc={acc:.3f}")
