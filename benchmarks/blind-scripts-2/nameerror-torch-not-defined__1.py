from torch import nn, optim
from torch.utils.data import DataLoader, TensorDataset
import numpy as np

np.random.seed(0)

X = np.random.rand(100, 3).astype("float32")
Y = (X.sum(axis=1, keepdims=True) > 1.5).astype("float32")


class LogReg(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.linear = nn.Linear(d, 1)

    def forward(self, x):
        return self.linear(x)


def make_loader(x, y, bs=20):
    ds = TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
    return DataLoader(ds, batch_size=bs, shuffle=False)


model = LogReg(3)
criterion = nn.BCEWithLogitsLoss()
opt = optim.SGD(model.parameters(), lr=0.5)
loader = make_loader(X, Y)

for epoch in range(20):
    for xb, yb in loader:
        loss = criterion(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
print("final loss", loss.item())
