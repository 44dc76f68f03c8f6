"""Log power-spectrum features for a small audio event classifier (code from an older project)."""
import math

import torch
import torch.nn as nn

SR = 8000
FRAME = 256
HOP = 128


def frame_signal(wav, frame=FRAME, hop=HOP):
    n = 1 + (wav.shape[-1] - frame) // hop
    idx = torch.arange(frame)[None, :] + hop * torch.arange(n)[:, None]
    return wav[..., idx]


def log_power_spectrum(wav):
    frames = frame_signal(wav) * torch.hann_window(FRAME)
    spec = torch.fft.rfft(frames, dim=-1)
    power = spec.abs().pow(2)
    return torch.log(power + 1e-6)


class EventNet(nn.Module):
    def __init__(self, n_bins=FRAME // 2 + 1, n_events=3):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(n_bins, 64), nn.ReLU(), nn.Linear(64, n_events))

    def forward(self, feats):
        return self.net(feats).mean(1)


torch.manual_seed(0)
t = torch.arange(SR) / SR
clips = torch.stack([torch.sin(2 * math.pi * f * t) for f in (440.0, 1000.0, 2500.0)])
clips = clips + 0.01 * torch.randn_like(clips)
labels = torch.tensor([0, 1, 2])

feats = log_power_spectrum(clips)
model = EventNet()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for _ in range(30):
    loss = nn.functional.cross_entropy(model(feats), labels)
    opt.zero_grad()
    loss.backward()
    opt.step()
print("features", tuple(feats.shape), "loss", round(loss.item(), 4))
assert feats.shape == (3, 61, FRAME // 2 + 1) and torch.isfinite(feats).all()
peak_bins = feats.mean(1).argmax(-1).tolist()
assert peak_bins == [round(f * FRAME / SR) for f in (440.0, 1000.0, 2500.0)], peak_bins
print("RESULT spectral features via torch.fft, peaks at bins", peak_bins)
