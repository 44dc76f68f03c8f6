import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader

torch.manual_seed(0)
np.random.seed(0)

MEAN = torch.tensor([0.5, 0.5, 0.5]).view(3, 1, 1)
STD = torch.tensor([0.25, 0.25, 0.25]).view(3, 1, 1)


def fake_image_store(n=40, size=24):
    """Decoded images as HWC uint8 arrays, the way PIL/np.asarray gives them."""
    rng = np.random.default_rng(0)
    store = []
    for i in range(n):
        label = i % 2
        base = 200 if label else 60
        if i % 7 == 3:
            img = rng.integers(base - 40, base + 40, size=(size, size), dtype=np.uint8)
        else:
            img = rng.integers(base - 40, base + 40, size=(size, size, 3), dtype=np.uint8)
        store.append((img, label))
    return store


class ImageFolderLike(Dataset):
    def __init__(self, store):
        self.store = store

    def __len__(self):
        return len(self.store)

    def __getitem__(self, idx):
        img, label = self.store[idx]
        x = torch.from_numpy(img).permute(2, 0, 1).float() / 255.0
        x = (x - MEAN) / STD
        return x, label


class TinyConvNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
        )
        self.classifier = nn.Linear(16, 2)

    def forward(self, x):
        return self.classifier(self.features(x).flatten(1))


def main():
    ds = ImageFolderLike(fake_image_store())
    loader = DataLoader(ds, batch_size=8, shuffle=True, generator=torch.Generator().manual_seed(0))
    model = TinyConvNet()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(4):
        for xb, yb in loader:
            loss = loss_fn(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
        print(f"epoch {epoch} loss {loss.item():.4f}")
    model.eval()
    xs, ys = next(iter(DataLoader(ds, batch_size=len(ds))))
    with torch.no_grad():
        acc = (model(xs).argmax(1) == ys).float().mean().item()
    assert xs.shape == (40, 3, 24, 24)
    assert torch.isfinite(loss) and acc > 0.9, acc
    print(f"RESULT acc={acc:.3f}")


if __name__ == "__main__":
    main()
