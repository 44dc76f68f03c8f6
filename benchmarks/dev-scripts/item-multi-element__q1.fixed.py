"""Binary classifier with a hand-written focal loss."""
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)


def focal_loss(logits, targets, gamma=2.0, alpha=0.25):
    p = torch.sigmoid(logits)
    ce = nn.functional.binary_cross_entropy_with_logits(logits, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    alpha_t = alpha * targets + (1 - alpha) * (1 - targets)
    return alpha_t * (1 - p_t) ** gamma * ce


class Net(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(d, 32), nn.ReLU(), nn.Linear(32, 1))

    def forward(self, x):
        return self.body(x).squeeze(-1)


x = torch.randn(512, 10)
y = (x[:, 0] + 0.5 * x[:, 1] > 1.0).float()  # imbalanced positives
loader = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True)
model = Net(10)
opt = torch.optim.Adam(model.parameters(), lr=1e-3)

history = []
for epoch in range(3):
    running = 0.0
    for xb, yb in loader:
        opt.zero_grad()
        loss = focal_loss(model(xb), yb).mean()
        loss.backward()
        opt.step()
        running += loss.item()
    history.append(running / len(loader))
    print(f"epoch {epoch} focal {history[-1]:.5f}")
assert len(history) == 3 and history[-1] < history[0]
print(f"RESULT focal={history[-1]:.5f}")
