"""Binary-plus-background segmentation of synthetic blobs, 3 classes, masks loaded like PNGs (1 channel)."""
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader

torch.manual_seed(0)
np.random.seed(0)
NUM_CLASSES = 3


class BlobSegDataset(Dataset):
    def __init__(self, n=24, size=32):
        self.n, self.size = n, size

    def __len__(self):
        return self.n

    def __getitem__(self, idx):
        rng = np.random.default_rng(idx)
        yy, xx = np.mgrid[: self.size, : self.size]
        cy, cx = rng.integers(8, self.size - 8, size=2)
        r = np.hypot(yy - cy, xx - cx)
        mask = np.zeros((self.size, self.size), dtype=np.uint8)
        mask[r < 8] = 1
        mask[r < 4] = 2
        image = mask.astype(np.float32) / 2 + 0.3 * rng.standard_normal(mask.shape).astype(np.float32)
        image_t = torch.from_numpy(image).unsqueeze(0)           # [1, H, W]
        mask_t = torch.from_numpy(mask).unsqueeze(0).long()      # [1, H, W], like a loaded label PNG
        return image_t, mask_t


class SegNet(nn.Module):
    def __init__(self, n_classes):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(),
            nn.Conv2d(16, 16, 3, padding=1), nn.ReLU(),
            nn.Conv2d(16, n_classes, 1),
        )

    def forward(self, x):
        return self.body(x)


def mean_iou(logits, target, n_classes):
    pred = logits.argmax(1)
    ious = []
    for c in range(n_classes):
        inter = ((pred == c) & (target == c)).sum().item()
        union = ((pred == c) | (target == c)).sum().item()
        if union:
            ious.append(inter / union)
    return sum(ious) / len(ious)


model = SegNet(NUM_CLASSES)
loader = DataLoader(BlobSegDataset(), batch_size=8, shuffle=True)
criterion = nn.CrossEntropyLoss()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)

for epoch in range(3):
    for images, masks in loader:
        logits = model(images)
        loss = criterion(logits, masks)
        opt.zero_grad()
        loss.backward()
        opt.step()
    print(f"epoch {epoch}: loss {loss.item():.4f}")
