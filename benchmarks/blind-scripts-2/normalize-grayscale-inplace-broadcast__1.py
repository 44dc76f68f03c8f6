import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


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


# reuse the pretrained ResNet preprocessing settings
ds = DigitsDataset(transform=Normalize(IMAGENET_MEAN, IMAGENET_STD))
loader = DataLoader(ds, batch_size=8)
model = nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 10))
torch.manual_seed(0)
for imgs, labels in loader:
    logits = model(imgs)
    print("batch", tuple(imgs.shape), "loss", nn.functional.cross_entropy(logits, labels).item())
