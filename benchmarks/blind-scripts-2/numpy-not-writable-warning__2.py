import os
import tempfile

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset


class MemmapSpectrograms(Dataset):
    """Spectrogram frames stored in one big .npy file, opened lazily read-only."""

    def __init__(self, path, augment=True):
        self.data = np.load(path, mmap_mode="r")
        self.augment = augment

    def __len__(self):
        return self.data.shape[0]

    def __getitem__(self, idx):
        spec = torch.from_numpy(self.data[idx])
        if self.augment:
            spec = spec.clone()
            spec[:, 2:4] = 0.0
        return spec


with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "specs.npy")
    rng = np.random.default_rng(1)
    np.save(path, rng.random((20, 16, 10), dtype=np.float32))

    ds = MemmapSpectrograms(path)
    loader = DataLoader(ds, batch_size=5, shuffle=False, num_workers=0)
    energies = []
    for batch in loader:
        energies.append(batch.pow(2).mean(dim=(1, 2)))
    energies = torch.cat(energies)
    del ds, loader, batch

print("mean energy per clip", [round(e, 4) for e in energies.tolist()[:5]])
