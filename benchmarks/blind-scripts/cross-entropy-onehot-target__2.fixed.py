import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(6)

# labels stored as a column vector, shape [N, 1]
X = torch.randn(80, 7)
y = (X[:, :1] > 0).long() + (X[:, 1:2] > 1).long()
loader = DataLoader(TensorDataset(X, y), batch_size=20, shuffle=True)


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(7, 20), nn.ReLU())
        self.out = nn.Linear(20, 3)

    def forward(self, x):
        return self.out(self.body(x))


clf = Classifier()
opt = torch.optim.Adam(clf.parameters(), lr=1e-2)
crit = nn.CrossEntropyLoss()
for epoch in range(5):
    for xb, yb in loader:
        opt.zero_grad()
        loss = crit(clf(xb), yb.squeeze(1))
        loss.backward()
        opt.step()
assert torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")
