"""Audio-clip keyword spotter: the manifest is filtered by split and minimum duration."""
import argparse
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import Dataset, DataLoader

torch.set_num_threads(1)

torch.manual_seed(0)
KEYWORDS = ["yes", "no", "stop"]


def fake_manifest(n=180):
    """Rows as they come from manifest.csv: split names are capitalised there."""
    g = torch.Generator().manual_seed(2)
    rows = []
    for i in range(n):
        split = ["Train", "Train", "Train", "Val"][i % 4]
        label = i % len(KEYWORDS)
        duration = 0.8 + 0.4 * torch.rand(1, generator=g).item()
        rows.append({"id": f"clip_{i:03d}", "split": split, "label": label, "duration": duration})
    return rows


class KeywordClips(Dataset):
    def __init__(self, manifest, split, min_duration):
        # split names in the manifest are capitalised ("Train"): compare case-insensitively
        self.rows = [r for r in manifest
                     if r["split"].lower() == split.lower() and r["duration"] >= min_duration]
        self.gen = torch.Generator().manual_seed(3)

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, i):
        row = self.rows[i]
        t = torch.linspace(0, 1, 400)
        freq = 200.0 * (row["label"] + 1)
        wave = torch.sin(2 * torch.pi * freq * t / 40) + 0.2 * torch.randn(400, generator=self.gen)
        return wave.unsqueeze(0), row["label"]


class SpotterCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv1d(1, 8, 9, stride=2), nn.ReLU(), nn.Conv1d(8, 16, 9, stride=2), nn.ReLU())
        self.fc = nn.Linear(16, len(KEYWORDS))

    def forward(self, x):
        return self.fc(self.conv(x).mean(-1))


parser = argparse.ArgumentParser()
parser.add_argument("--split", default="train")
parser.add_argument("--min-duration", type=float, default=0.9)
args = parser.parse_args([])

train_ds = KeywordClips(fake_manifest(), args.split, args.min_duration)
if len(train_ds) == 0:
    raise SystemExit(f"no clips for split={args.split!r} with duration >= {args.min_duration}")
loader = DataLoader(train_ds, batch_size=16, shuffle=True, generator=torch.Generator().manual_seed(0))
model = SpotterCNN()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for epoch in range(6):
    for x, y in loader:
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
print(f"{len(train_ds)} clips, {len(loader)} batches/epoch, loss {losses[0]:.3f} -> {losses[-1]:.3f}")
assert len(loader) == (len(train_ds) + 15) // 16
assert losses[-1] < losses[0]
print(f"RESULT clips={len(train_ds)} batches={len(loader)} first={losses[0]:.4f} last={losses[-1]:.4f}")
