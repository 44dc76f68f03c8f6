import torch
import torch.nn as nn


def binary_metrics(logits, targets, threshold=0.5):
    preds = (torch.sigmoid(logits) > threshold).float()
    tp = (preds * targets).sum()
    precision = tp / preds.sum().clamp(min=1)
    return precision


class SpamFilter(nn.Module):
    def __init__(self, n_features=30):
        super().__init__()
        self.lin = nn.Linear(n_features, 1)

    def forward(self, x):
        return self.lin(x).squeeze(-1)


torch.manual_seed(0)
X = torch.randn(300, 30)
true_w = torch.zeros(30)
true_w[:5] = 2.0
y = (X @ true_w > 0).float()
train_x, val_x, train_y, val_y = X[:240], X[240:], y[:240], y[240:]

model = SpamFilter()
opt = torch.optim.SGD(model.parameters(), lr=0.2)
for epoch in range(40):
    loss = nn.functional.binary_cross_entropy_with_logits(model(train_x), train_y)
    opt.zero_grad()
    loss.backward()
    opt.step()

model.eval()
with torch.no_grad():
    precision, recall = binary_metrics(model(val_x), val_y)
print(f"val precision {precision:.3f} recall {recall:.3f}")
