import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(3)

# 97 rows of tabular data -> with batch_size 32 the last batch has a single row
features = torch.randn(97, 12)
targets = (features[:, 0] > 0).long()
loader = DataLoader(TensorDataset(features, targets), batch_size=32, shuffle=True)


class TabularMLP(nn.Module):
    def __init__(self, n_in, n_hidden=32):
        super().__init__()
        self.fc1 = nn.Linear(n_in, n_hidden)
        self.bn1 = nn.BatchNorm1d(n_hidden)
        self.fc2 = nn.Linear(n_hidden, 2)

    def forward(self, x):
        return self.fc2(torch.relu(self.bn1(self.fc1(x))))


model = TabularMLP(12)
opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
crit = nn.CrossEntropyLoss()

for epoch in range(3):
    total = 0.0
    for xb, yb in loader:
        opt.zero_grad()
        loss = crit(model(xb), yb)
        loss.backward()
        opt.step()
        total += loss.item()

assert total == total  # not NaN
print(f"RESULT last_epoch_loss={total:.3f}")
