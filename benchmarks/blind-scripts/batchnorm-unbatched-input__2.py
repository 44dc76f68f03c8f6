import numpy as np
import torch
from torch import nn

torch.manual_seed(7)
rng = np.random.default_rng(7)


class ChurnModel(nn.Module):
    def __init__(self, n_in: int):
        super().__init__()
        self.norm = nn.BatchNorm1d(n_in)
        self.body = nn.Sequential(nn.Linear(n_in, 16), nn.Tanh(), nn.Linear(16, 1))

    def forward(self, x):
        return self.body(self.norm(x)).squeeze(-1)


customers = rng.normal(size=(200, 5)).astype(np.float32)
churned = (customers[:, 1] + customers[:, 3] > 0).astype(np.float32)
model = ChurnModel(5)
opt = torch.optim.Adam(model.parameters(), lr=0.02)
X, y = torch.from_numpy(customers), torch.from_numpy(churned)
for _ in range(40):
    opt.zero_grad()
    loss = nn.functional.binary_cross_entropy_with_logits(model(X), y)
    loss.backward()
    opt.step()

model.eval()
scores = []
with torch.no_grad():
    for row in X[:10]:
        scores.append(torch.sigmoid(model(row)).item())

assert len(scores) == 10 and all(0 <= s <= 1 for s in scores)
print(f"RESULT mean_score={sum(scores) / len(scores):.3f}")
