import argparse

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader


class SatelliteTiles(Dataset):
    """Tiles stored as CHW float arrays; every odd-indexed sample is served mirrored (deterministic augmentation)."""

    def __init__(self, n=16, size=16, mirror_odd=True):
        rng = np.random.default_rng(0)
        self.tiles = rng.random((n, 4, size, size), dtype=np.float32)
        self.labels = (self.tiles[:, 3].mean(axis=(1, 2)) > 0.5).astype(np.int64)
        self.mirror_odd = mirror_odd

    def __len__(self):
        return len(self.tiles)

    def __getitem__(self, idx):
        tile = self.tiles[idx]
        if self.mirror_odd and idx % 2 == 1:
            tile = np.flip(tile, axis=2)
        return torch.from_numpy(tile), torch.tensor(self.labels[idx])


def build_model(in_ch=4):
    return nn.Sequential(nn.Conv2d(in_ch, 8, 3, padding=1), nn.ReLU(),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 2))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=4)
    args = parser.parse_args([])
    torch.manual_seed(0)
    ds = SatelliteTiles()
    loader = DataLoader(ds, batch_size=args.batch_size, shuffle=False)
    model = build_model()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for epoch in range(args.epochs):
        for tiles, labels in loader:
            loss = nn.functional.cross_entropy(model(tiles), labels)
            opt.zero_grad()
            loss.backward()
            opt.step()
        print(f"epoch {epoch}: loss {loss.item():.4f}")
    return ds, loss


if __name__ == "__main__":
    main()
