"""Image-patch pipeline with a configurable augmentation, loaded with spawn workers."""
import argparse

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


class PatchDataset(Dataset):
    def __init__(self, n, size, transform=None, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.images = torch.rand(n, 1, size, size, generator=g)
        self.labels = (self.images.mean(dim=(1, 2, 3)) > 0.5).long()
        self.transform = transform

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        img = self.images[i]
        if self.transform is not None:
            img = self.transform(img)
        return img, self.labels[i]


def build_transform(mean, std):
    return lambda img: (img - mean) / std


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=16)
    args = ap.parse_args([])
    torch.manual_seed(0)

    ds = PatchDataset(64, 8, transform=build_transform(0.5, 0.25))
    loader = DataLoader(
        ds,
        batch_size=args.batch_size,
        shuffle=False,
        num_workers=args.workers,
        multiprocessing_context="spawn",
    )
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 2))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    seen = 0
    for xb, yb in loader:
        loss = nn.functional.cross_entropy(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        seen += len(xb)
    assert seen == len(ds)
    assert torch.isfinite(loss)
    print(f"RESULT seen={seen} loss={loss.item():.4f}")


if __name__ == "__main__":
    main()
