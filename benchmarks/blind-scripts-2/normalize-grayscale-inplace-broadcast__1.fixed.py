import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

MNIST_MEAN = (0.1307,)
MNIST_STD = (0.3081,)


class Normalize:
    def __init__(self, mean, std):
        self.mean = torch.tensor(mean).view(-1, 1, 1)
        self.std = torch.tensor(std).view(-1, 1, 1)

    def __call__(self, img):
        return img.sub_(self.mean).div_(self.std)


class DigitsDataset(Dataset):
    """Grayscale 28x28 digits stored as uint8, like MNIST."""

    def __init__(self, n=32, transform=None):
        rng = np.random.default_rng(0)
        self.images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        self.labels = rng.integers(0, 10, size=n)
        self.transform = transform

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        img = torch.from_numpy(self.images[i]).float().div(255).unsqueeze(0)
        if self.transform is not None:
            img = self.transform(img)
        return img, int(self.labels[i])


ds = DigitsDataset(transform=Normalize(MNIST_MEAN, MNIST_STD))
loader = DataLoader(ds, batch_size=8)
model = nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 10))
torch.manual_seed(0)
for imgs, labels in loader:
    logits = model(imgs)
    print("batch", tuple(imgs.shape), "loss", nn.functional.cross_entropy(logits, labels).item())
assert imgs.shape == (8, 1, 28, 28) and torch.isfinite(logits).all()
raw = torch.from_numpy(ds.images[0]).float().div(255)
assert torch.allclose(ds[0][0][0], (raw - 0.1307) / 0.3081)
print("RESULT grayscale digits normalised per channel, batch", tuple(imgs.shape))
