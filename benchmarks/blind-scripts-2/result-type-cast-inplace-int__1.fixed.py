import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


class CifarLike(Dataset):
    def __init__(self, n=40):
        rng = np.random.default_rng(0)
        self.images = rng.integers(0, 256, size=(n, 32, 32, 3), dtype=np.uint8)
        self.labels = rng.integers(0, 10, size=n)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        img = torch.from_numpy(self.images[i].copy()).permute(2, 0, 1).float()
        img /= 255.0
        img = (img - 0.5) / 0.5
        return img, int(self.labels[i])


class TinyVGG(nn.Module):
    def __init__(self):
        super().__init__()
        self.f = nn.Sequential(
            nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.c = nn.Linear(32 * 8 * 8, 10)

    def forward(self, x):
        return self.c(self.f(x).flatten(1))


torch.manual_seed(0)
loader = DataLoader(CifarLike(), batch_size=10)
model = TinyVGG()
opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
for x, y in loader:
    loss = nn.functional.cross_entropy(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
print("last loss", loss.item())
assert x.dtype == torch.float32 and x.min() >= -1.0 and x.max() <= 1.0
assert torch.isfinite(loss)
print(f"RESULT trained on normalised uint8 images, loss {loss.item():.4f}")
