import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")


class PolynomialData(Dataset):
    def __init__(self, n=400):
        g = torch.Generator().manual_seed(0)
        self.x = torch.rand(n, 1, generator=g) * 4 - 2
        self.y = self.x ** 3 - self.x + 0.05 * torch.randn(n, 1, generator=g)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return self.x[i], self.y[i]


train_loader = DataLoader(PolynomialData(), batch_size=64, shuffle=True,
                          num_workers=0, pin_memory=True, drop_last=True)

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(1, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 1)).to(device)
opt = torch.optim.Adam(model.parameters(), lr=1e-2)

for epoch in range(10):
    running = 0.0
    for xb, yb in train_loader:
        xb = xb.to(device, non_blocking=True)
        yb = yb.to(device, non_blocking=True)
        loss = nn.functional.mse_loss(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        running += loss.item()
    if epoch % 3 == 0:
        print(f"epoch {epoch}: mse {running / len(train_loader):.4f}")
