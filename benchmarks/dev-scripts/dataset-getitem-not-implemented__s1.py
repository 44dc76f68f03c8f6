"""Audio-like clips stored as .npy files in a temp dir; a Dataset loads them lazily."""
import os
import tempfile
import numpy as np
import torch
from torch.utils.data import Dataset, DataLoader


class ClipFolder(Dataset):
    def __init__(self, root):
        self.files = sorted(f for f in os.listdir(root) if f.endswith(".npy"))
        self.root = root

    def __len__(self):
        return len(self.files)

    def __get_item__(self, idx):
        name = self.files[idx]
        wave = torch.from_numpy(np.load(os.path.join(self.root, name)))
        label = int(name.split("_")[0])
        return wave, label


def write_clips(root, n=12, length=800, seed=0):
    rng = np.random.default_rng(seed)
    for i in range(n):
        label = i % 3
        t = np.linspace(0, 1, length, dtype=np.float32)
        wave = np.sin(2 * np.pi * (label + 1) * 5 * t) + 0.1 * rng.standard_normal(length).astype(np.float32)
        np.save(os.path.join(root, f"{label}_{i:03d}.npy"), wave.astype(np.float32))


with tempfile.TemporaryDirectory() as root:
    write_clips(root)
    ds = ClipFolder(root)
    loader = DataLoader(ds, batch_size=4, shuffle=False)
    spectra = []
    for waves, labels in loader:
        spectra.append(torch.fft.rfft(waves).abs().argmax(-1))
    peaks = torch.cat(spectra)
    print("dominant frequency bins:", peaks.tolist())
