"""Photo-quality scorer: a Dataset of decoded HWC uint8 arrays, some of them grayscale scans."""
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

torch.manual_seed(0)
rng = np.random.default_rng(0)


def fake_decode(i):
    """Stand-in for an image decoder: colour photos are HxWx3, grayscale scans come back as HxW."""
    h, w = 24, 24
    if i % 5 == 3:
        return rng.integers(0, 256, size=(h, w), dtype=np.uint8)
    return rng.integers(0, 256, size=(h, w, 3), dtype=np.uint8)


class PhotoDataset(Dataset):
    def __init__(self, n):
        self.images = [fake_decode(i) for i in range(n)]
        self.scores = [float(img.mean() / 255.0) for img in self.images]
        self.mean = torch.tensor([0.5, 0.5, 0.5]).view(3, 1, 1)
        self.std = torch.tensor([0.25, 0.25, 0.25]).view(3, 1, 1)

    def __len__(self):
        return len(self.images)

    def __getitem__(self, idx):
        img = self.images[idx]
        if img.ndim == 2:
            img = np.repeat(img[..., None], 3, axis=2)
        x = torch.from_numpy(img).permute(2, 0, 1).float() / 255.0
        x = (x - self.mean) / self.std
        return x, torch.tensor(self.scores[idx], dtype=torch.float32)


class QualityNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(8, 16, 3, stride=2, padding=1), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )
        self.reg = nn.Linear(16, 1)

    def forward(self, x):
        return self.reg(self.features(x)).squeeze(-1)


ds = PhotoDataset(40)
loader = DataLoader(ds, batch_size=8, shuffle=False)
model = QualityNet()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)

epoch_mse = []
for epoch in range(5):
    tot = 0.0
    for x, target in loader:
        pred = model(x)
        loss = nn.functional.mse_loss(pred, target)
        opt.zero_grad()
        loss.backward()
        opt.step()
        tot += loss.item() * len(x)
    epoch_mse.append(tot / len(ds))
    print(f"epoch {epoch} mse {epoch_mse[-1]:.5f}")

assert x.shape == (8, 3, 24, 24)
assert epoch_mse[-1] < epoch_mse[0]
print(f"RESULT mse_first={epoch_mse[0]:.5f} mse_last={epoch_mse[-1]:.5f} n={len(ds)}")
