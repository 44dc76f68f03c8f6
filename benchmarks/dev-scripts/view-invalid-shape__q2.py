"""Batch inference on raw RGBA frames dumped by a capture tool (one .raw file per frame)."""
import os
import tempfile

import numpy as np
import torch
import torch.nn as nn

H, W = 24, 32
rng = np.random.default_rng(0)


def dump_frames(folder, n=3):
    for i in range(n):
        frame = rng.integers(0, 256, size=(H, W, 4), dtype=np.uint8)  # capture tool writes RGBA
        frame.tofile(os.path.join(folder, f"frame_{i:03d}.raw"))


def load_frame(path):
    raw = torch.from_numpy(np.fromfile(path, dtype=np.uint8))
    img = raw.view(H, W, 3)                     # HWC
    return img.permute(2, 0, 1).float() / 255.0  # CHW in [0, 1]


torch.manual_seed(0)
model = nn.Sequential(
    nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(),
    nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 5),
).eval()

with tempfile.TemporaryDirectory() as tmp:
    dump_frames(tmp)
    paths = sorted(os.path.join(tmp, p) for p in os.listdir(tmp))
    batch = torch.stack([load_frame(p) for p in paths])
    with torch.no_grad():
        scores = model(batch).softmax(dim=1)
    for p, s in zip(paths, scores):
        print(os.path.basename(p), "class", s.argmax().item(), f"p={s.max().item():.3f}")
