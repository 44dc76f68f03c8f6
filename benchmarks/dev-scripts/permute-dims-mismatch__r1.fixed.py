"""Mixed RGB / grayscale image set stored as numpy arrays (HWC, uint8), fed to a CNN."""
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader

torch.manual_seed(0)
rng = np.random.default_rng(0)

MEAN = torch.tensor([0.485, 0.456, 0.406]).view(3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(3, 1, 1)


def load_images(n=10):
    imgs = []
    for i in range(n):
        if i % 4 == 3:   # a few scans came out as single-channel
            imgs.append(rng.integers(0, 256, (32, 32), dtype=np.uint8))
        else:
            imgs.append(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8))
    return imgs, rng.integers(0, 2, n)


class ImageSet(Dataset):
    def __init__(self, images, labels):
        self.images, self.labels = images, labels

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        arr = self.images[i]
        if arr.ndim == 2:                     # grayscale HW -> HWC with 3 channels
            arr = np.repeat(arr[..., None], 3, axis=2)
        img = torch.from_numpy(arr).float() / 255.0
        img = img.permute(2, 0, 1)            # HWC -> CHW
        return (img - MEAN) / STD, int(self.labels[i])


images, labels = load_images()
loader = DataLoader(ImageSet(images, labels), batch_size=5)
cnn = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                    nn.Flatten(), nn.Linear(8, 2))
opt = torch.optim.Adam(cnn.parameters(), lr=1e-3)
for xb, yb in loader:
    loss = nn.functional.cross_entropy(cnn(xb), yb)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print("batch loss", round(loss.item(), 4))

gray_x, _ = loader.dataset[3]
assert gray_x.shape == (3, 32, 32)
assert torch.allclose(gray_x[0] * STD[0] + MEAN[0], torch.from_numpy(images[3]).float() / 255.0, atol=1e-5)
assert xb.shape == (5, 3, 32, 32)
print(f"RESULT batch={tuple(xb.shape)} loss={loss.item():.4f}")
