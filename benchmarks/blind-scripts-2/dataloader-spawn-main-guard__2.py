# Training script developed on macOS; spawn is forced so Linux runs behave the same way.
import torch
import torch.multiprocessing as mp
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader

mp.set_start_method("spawn", force=True)

CONFIG = {"epochs": 2, "batch_size": 16, "workers": 1, "lr": 0.05}


class XorDataset(Dataset):
    def __init__(self, n=64):
        g = torch.Generator().manual_seed(0)
        self.x = torch.randint(0, 2, (n, 2), generator=g).float()
        self.y = (self.x[:, 0] != self.x[:, 1]).long()

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.x[i] + 0.05 * torch.randn(2), self.y[i]


def build_model():
    return nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 2))


torch.manual_seed(0)
model = build_model()
optimizer = torch.optim.SGD(model.parameters(), lr=CONFIG["lr"], momentum=0.9)
train_loader = DataLoader(XorDataset(), batch_size=CONFIG["batch_size"], shuffle=True,
                          num_workers=CONFIG["workers"], persistent_workers=True, timeout=30)

for epoch in range(CONFIG["epochs"]):
    total, seen = 0.0, 0
    for xb, yb in train_loader:
        loss = nn.functional.cross_entropy(model(xb), yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * len(yb)
        seen += len(yb)
    print(f"epoch {epoch}: loss {total / seen:.4f}")
