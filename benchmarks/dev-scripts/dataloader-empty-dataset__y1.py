"""Train a classifier on feature vectors stored one-per-file in a data directory."""
import glob
import os
import tempfile
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader

torch.manual_seed(0)
np.random.seed(0)


def write_fake_dataset(root, n=40, dim=12, classes=3):
    for split in ("train", "val"):
        os.makedirs(os.path.join(root, split), exist_ok=True)
        for i in range(n):
            label = i % classes
            feats = np.random.randn(dim).astype(np.float32) + label
            np.save(os.path.join(root, split, f"sample_{i:04d}_c{label}.npy"), feats)


class FeatureFolder(Dataset):
    def __init__(self, root, split, pattern="*.npz"):
        self.files = sorted(glob.glob(os.path.join(root, split, pattern)))

    def __len__(self):
        return len(self.files)

    def __getitem__(self, idx):
        path = self.files[idx]
        x = torch.from_numpy(np.load(path))
        label = int(os.path.basename(path).split("_c")[1].split(".")[0])
        return x, label


def train(root, epochs=3):
    train_ds = FeatureFolder(root, "train")
    loader = DataLoader(train_ds, batch_size=8, shuffle=True)
    model = nn.Sequential(nn.Linear(12, 32), nn.ReLU(), nn.Linear(32, 3))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(epochs):
        total = 0.0
        for x, y in loader:
            loss = loss_fn(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(y)
        print(f"epoch {epoch} loss {total / len(train_ds):.4f}")
    return model, train_ds


def evaluate(model, root):
    ds = FeatureFolder(root, "val")
    correct = 0
    with torch.no_grad():
        for x, y in DataLoader(ds, batch_size=16):
            correct += (model(x).argmax(1) == y).sum().item()
    return correct / len(ds)


def main():
    with tempfile.TemporaryDirectory() as root:
        write_fake_dataset(root)
        model, train_ds = train(root)
        acc = evaluate(model, root)
        print(f"val accuracy {acc:.3f}")
        return len(train_ds), acc


if __name__ == "__main__":
    main()
