import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

TRAIN_SIZE = (32, 32)


class TinySegDataset(Dataset):
    """Images and integer label maps stored at a native 20x20 resolution."""

    def __init__(self, n=12):
        rng = np.random.default_rng(0)
        self.images = rng.standard_normal((n, 3, 20, 20)).astype(np.float32)
        self.masks = rng.integers(0, 3, size=(n, 20, 20)).astype(np.int64)

    def __len__(self):
        return len(self.images)

    def __getitem__(self, idx):
        img = torch.from_numpy(self.images[idx]).unsqueeze(0)
        mask = torch.from_numpy(self.masks[idx])[None, None]
        img = F.interpolate(img, size=TRAIN_SIZE, mode="bilinear", align_corners=False)
        mask = F.interpolate(mask, size=TRAIN_SIZE, mode="nearest")
        return img[0], mask[0, 0]


class SegHead(nn.Module):
    def __init__(self, classes=3):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.Conv2d(16, classes, 1))

    def forward(self, x):
        return self.body(x)


torch.manual_seed(0)
loader = DataLoader(TinySegDataset(), batch_size=4, shuffle=False)
model = SegHead()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for images, masks in loader:
    logits = model(images)
    loss = F.cross_entropy(logits, masks)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print("batch loss", round(loss.item(), 4))
