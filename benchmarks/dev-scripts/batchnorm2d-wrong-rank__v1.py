import math
import torch
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader

CONFIG = {
    "n_samples": 64,
    "channels": 3,
    "length": 128,
    "n_classes": 4,
    "batch_size": 16,
    "epochs": 2,
    "lr": 3e-3,
}


class SensorDataset(Dataset):
    """Synthetic 3-axis accelerometer windows; class = dominant frequency band."""

    def __init__(self, n, channels, length, n_classes, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.labels = torch.randint(0, n_classes, (n,), generator=g)
        t = torch.linspace(0, 1, length)
        freqs = (self.labels.float() + 1.0) * 3.0
        base = torch.sin(2 * math.pi * freqs[:, None] * t[None, :])
        noise = 0.3 * torch.randn(n, channels, length, generator=g)
        self.x = base[:, None, :] + noise

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, idx):
        return self.x[idx], self.labels[idx]


class ConvBlock(nn.Module):
    def __init__(self, c_in, c_out):
        super().__init__()
        self.conv = nn.Conv1d(c_in, c_out, kernel_size=5, padding=2)
        self.bn = nn.BatchNorm2d(c_out)
        self.act = nn.ReLU()
        self.pool = nn.MaxPool1d(2)

    def forward(self, x):
        return self.pool(self.act(self.bn(self.conv(x))))


class HARNet(nn.Module):
    def __init__(self, channels, n_classes):
        super().__init__()
        self.blocks = nn.Sequential(ConvBlock(channels, 16), ConvBlock(16, 32))
        self.head = nn.Linear(32, n_classes)

    def forward(self, x):
        h = self.blocks(x)
        return self.head(h.mean(dim=-1))


def train(cfg):
    torch.manual_seed(0)
    ds = SensorDataset(cfg["n_samples"], cfg["channels"], cfg["length"], cfg["n_classes"])
    loader = DataLoader(ds, batch_size=cfg["batch_size"], shuffle=True)
    model = HARNet(cfg["channels"], cfg["n_classes"])
    opt = torch.optim.Adam(model.parameters(), lr=cfg["lr"])
    loss_fn = nn.CrossEntropyLoss()
    history = []
    for epoch in range(cfg["epochs"]):
        model.train()
        total = 0.0
        for xb, yb in loader:
            logits = model(xb)
            loss = loss_fn(logits, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * xb.size(0)
        history.append(total / len(ds))
        print(f"epoch {epoch}: loss {history[-1]:.4f}")
    return model, ds, history


if __name__ == "__main__":
    model, ds, history = train(CONFIG)
    model.eval()
    with torch.no_grad():
        preds = model(ds.x).argmax(dim=1)
    print("train acc", (preds == ds.labels).float().mean().item())
