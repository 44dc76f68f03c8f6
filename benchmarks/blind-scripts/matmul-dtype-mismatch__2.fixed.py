import numpy as np
import torch
from torch import nn
from torch.utils.data import Dataset, DataLoader

torch.manual_seed(1)


class WineDataset(Dataset):
    def __init__(self, n=120):
        rng = np.random.default_rng(1)
        self.x = rng.uniform(0, 1, size=(n, 11))
        self.y = rng.integers(0, 3, size=n)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, idx):
        return torch.tensor(self.x[idx], dtype=torch.float32), int(self.y[idx])


loader = DataLoader(WineDataset(), batch_size=16, shuffle=True)
model = nn.Sequential(nn.Linear(11, 24), nn.ReLU(), nn.Linear(24, 3))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(2):
    for xb, yb in loader:
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
assert torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")
