"""Feature vectors parsed from records of varying length, stored as an object array."""
import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(0)
rng = np.random.default_rng(0)
MAX_LEN = 6

records = [rng.normal(size=rng.integers(3, MAX_LEN + 1)) for _ in range(30)]
features = np.array(records, dtype=object)
labels = torch.randint(0, 2, (30,))


def to_tensor(arr):
    return torch.from_numpy(arr).float()


X = to_tensor(features)
model = nn.Linear(MAX_LEN, 2)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(5):
    opt.zero_grad()
    loss = nn.functional.cross_entropy(model(X), labels)
    loss.backward()
    opt.step()
assert X.shape == (30, MAX_LEN)
print(f"RESULT loss={loss.item():.4f}")
