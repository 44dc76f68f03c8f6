import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(7)

# tumour malignancy from 9 measurements, sigmoid output + BCELoss
X = torch.rand(96, 9)
y = (X.mean(1) > 0.5).float()
loader = DataLoader(TensorDataset(X, y), batch_size=32, shuffle=False)


class Malignancy(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(9, 12)
        self.fc2 = nn.Linear(12, 1)

    def forward(self, x):
        return torch.sigmoid(self.fc2(torch.relu(self.fc1(x))))


model = Malignancy()
bce = nn.BCELoss()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for epoch in range(5):
    for xb, yb in loader:
        opt.zero_grad()
        loss = bce(model(xb), yb)
        loss.backward()
        opt.step()
assert torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")
