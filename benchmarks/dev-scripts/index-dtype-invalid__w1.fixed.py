import random

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

random.seed(7)
np.random.seed(7)
torch.manual_seed(7)

NUM_FRAMES = 8
H = W = 12


class ClipDataset(Dataset):
    """Variable-length clips of a bright square moving left or right."""

    def __init__(self, n=48):
        g = torch.Generator().manual_seed(7)
        self.clips, self.labels = [], []
        for i in range(n):
            length = int(torch.randint(10, 30, (1,), generator=g))
            direction = i % 2
            clip = 0.1 * torch.randn(length, 1, H, W, generator=g)
            for t in range(length):
                x = int(t / length * (W - 3))
                x = x if direction == 0 else W - 3 - x
                clip[t, 0, 4:7, x:x + 3] += 1.0
            self.clips.append(clip)
            self.labels.append(direction)

    def __len__(self):
        return len(self.clips)

    def __getitem__(self, idx):
        clip = self.clips[idx]
        frame_idx = torch.linspace(0, clip.shape[0] - 1, NUM_FRAMES).round().long()
        return clip[frame_idx], torch.tensor(self.labels[idx])


class TinyVideoNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv3d(1, 8, kernel_size=3, padding=1)
        self.fc = nn.Linear(8, 2)

    def forward(self, x):
        x = x.permute(0, 2, 1, 3, 4)
        x = F.relu(self.conv(x))
        return self.fc(F.adaptive_avg_pool3d(x, 1).flatten(1))


def main():
    ds = ClipDataset()
    loader = DataLoader(ds, batch_size=8, shuffle=True,
                        generator=torch.Generator().manual_seed(7))
    model = TinyVideoNet()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for epoch in range(3):
        correct = 0
        for clips, labels in loader:
            logits = model(clips)
            loss = F.cross_entropy(logits, labels)
            opt.zero_grad()
            loss.backward()
            opt.step()
            correct += (logits.argmax(1) == labels).sum().item()
        print(f"epoch {epoch} loss {loss.item():.4f} acc {correct / len(ds):.3f}")

    assert clips.shape[1:] == (NUM_FRAMES, 1, H, W)
    assert torch.isfinite(loss)
    print(f"RESULT clip_shape={tuple(clips.shape)} loss={loss.item():.4f}")


if __name__ == "__main__":
    main()
