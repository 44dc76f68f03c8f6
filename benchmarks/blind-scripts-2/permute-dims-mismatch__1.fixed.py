import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset


def synthetic_photos():
    """Decoded images as HWC uint8 arrays."""
    rng = np.random.default_rng(5)
    photos = [rng.integers(0, 256, (32, 32, 3), dtype=np.uint8) for _ in range(5)]
    photos.append(rng.integers(0, 256, (32, 32), dtype=np.uint8))
    photos += [rng.integers(0, 256, (32, 32, 3), dtype=np.uint8) for _ in range(2)]
    return photos


class PhotoDataset(Dataset):
    def __init__(self, images, labels):
        self.images = images
        self.labels = labels

    def __len__(self):
        return len(self.images)

    def __getitem__(self, idx):
        img = torch.from_numpy(self.images[idx]).float() / 255.0
        if img.dim() == 2:
            img = img.unsqueeze(-1).expand(-1, -1, 3)
        img = img.permute(2, 0, 1)
        return img, self.labels[idx]


photos = synthetic_photos()
ds = PhotoDataset(photos, labels=list(range(len(photos))))
loader = DataLoader(ds, batch_size=4, shuffle=False)
channel_means = []
for imgs, labels in loader:
    channel_means.append(imgs.mean(dim=(0, 2, 3)))
print("per-batch channel means", torch.stack(channel_means))
assert len(channel_means) == 2 and channel_means[0].shape == (3,)
assert torch.allclose(ds[5][0][0], torch.from_numpy(photos[5]).float() / 255.0)
print("RESULT all photos loaded as 3x32x32, batches", len(channel_means))
