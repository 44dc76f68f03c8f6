"""Keyword-spotting on synthetic mel spectrograms; model sized from a config dataclass."""
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

torch.manual_seed(0)
np.random.seed(0)


@dataclass
class KWSConfig:
    n_mels: int = 20
    frames: int = 32
    n_keywords: int = 4
    batch_size: int = 16
    n_clips: int = 100
    lr: float = 3e-3
    epochs: int = 3


class MelClips(Dataset):
    def __init__(self, cfg):
        g = torch.Generator().manual_seed(0)
        self.labels = torch.randint(0, cfg.n_keywords, (cfg.n_clips,), generator=g)
        self.specs = 0.5 * torch.randn(cfg.n_clips, cfg.n_mels, cfg.frames, generator=g)
        for i, lab in enumerate(self.labels.tolist()):
            band = slice(lab * 5, lab * 5 + 5)
            self.specs[i, band, :] += 1.5        # keyword energy in its own mel band

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return self.specs[i].unsqueeze(0), self.labels[i]


class KWSNet(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.conv = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.flat = 16 * (cfg.n_mels // 4) * (cfg.frames // 4)
        self.fc = nn.Linear(self.flat, cfg.n_keywords)

    def forward(self, spec):
        h = self.conv(spec)
        h = h.view(self.cfg.batch_size, self.flat)
        return self.fc(h)


cfg = KWSConfig()
ds = MelClips(cfg)
loader = DataLoader(ds, batch_size=cfg.batch_size, shuffle=True)
model = KWSNet(cfg)
opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)

history = []
for epoch in range(cfg.epochs):
    correct, seen, tot = 0, 0, 0.0
    for spec, lab in loader:
        logits = model(spec)
        loss = F.cross_entropy(logits, lab)
        opt.zero_grad()
        loss.backward()
        opt.step()
        tot += loss.item() * len(lab)
        correct += (logits.argmax(1) == lab).sum().item()
        seen += len(lab)
    history.append(tot / seen)
    print(f"epoch {epoch} loss {history[-1]:.4f} acc {correct / seen:.3f}")

assert seen == cfg.n_clips
assert history[-1] < history[0]
print(f"RESULT loss_first={history[0]:.4f} loss_last={history[-1]:.4f} acc={correct / seen:.3f}")
