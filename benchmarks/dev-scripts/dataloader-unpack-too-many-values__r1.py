"""Image folder-style dataset that also returns file names (for error analysis later)."""
import os
import tempfile
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader

torch.manual_seed(0)
rng = np.random.default_rng(0)


class NpyImages(Dataset):
    def __init__(self, root):
        self.files = sorted(f for f in os.listdir(root) if f.endswith(".npy"))
        self.root = root

    def __len__(self):
        return len(self.files)

    def __getitem__(self, i):
        name = self.files[i]
        img = torch.from_numpy(np.load(os.path.join(self.root, name))).float()
        label = int(name.split("_")[0])
        return img, label, name


with tempfile.TemporaryDirectory() as root:
    for k in range(12):
        np.save(os.path.join(root, f"{k % 3}_{k:03d}.npy"), rng.random((1, 16, 16), dtype=np.float32))

    loader = DataLoader(NpyImages(root), batch_size=4, shuffle=True,
                        generator=torch.Generator().manual_seed(0))
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 14 * 14, 3))
    opt = torch.optim.SGD(model.parameters(), lr=0.05)

    for epoch in range(2):
        for images, labels in loader:
            loss = nn.functional.cross_entropy(model(images), labels)
            opt.zero_grad()
            loss.backward()
            opt.step()
        print(f"epoch {epoch} loss {loss.item():.4f}")
