"""Image classification pipeline over a mixed folder of RGB and grayscale uint8 images."""
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

torch.manual_seed(0)
rng = np.random.default_rng(0)

MEAN = torch.tensor([0.5, 0.5, 0.5]).view(3, 1, 1)
STD = torch.tensor([0.25, 0.25, 0.25]).view(3, 1, 1)


def synthetic_images(n=48, size=24):
    images, labels = [], []
    for i in range(n):
        label = i % 2
        if i % 7 == 5:
            img = rng.integers(0, 256, (size, size), dtype=np.uint8)
        else:
            img = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
        if label:
            img[: size // 2] = 255
        images.append(img)
        labels.append(label)
    return images, labels


class ImageList(Dataset):
    def __init__(self, images, labels):
        self.images = images
        self.labels = labels

    def __len__(self):
        return len(self.images)

    def __getitem__(self, idx):
        arr = self.images[idx]
        if arr.ndim == 2:
            arr = np.repeat(arr[..., None], 3, axis=2)
        img = torch.from_numpy(arr).permute(2, 0, 1).float() / 255.0
        img = (img - MEAN) / STD
        return img, self.labels[idx]


def build_model():
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
        nn.Flatten(), nn.Linear(16, 2),
    )


def main():
    images, labels = synthetic_images()
    loader = DataLoader(ImageList(images, labels), batch_size=8, shuffle=False)
    model = build_model()
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(3):
        correct = 0
        for x, y in loader:
            logits = model(x)
            loss = loss_fn(logits, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            correct += (logits.argmax(1) == y).sum().item()
        print(f"epoch {epoch} loss {loss.item():.4f} acc {correct / len(images):.3f}")
    return x, loss.item()


if __name__ == "__main__":
    x, final_loss = main()
    assert x.shape == (8, 3, 24, 24)
    assert np.isfinite(final_loss)
    print(f"RESULT ok loss={final_loss:.4f}")
