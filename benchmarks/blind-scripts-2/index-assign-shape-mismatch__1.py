"""Clean a multichannel sensor recording: replace spikes with a local median before feeding an autoencoder."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
np.random.seed(0)


def load_recording(channels=3, length=120):
    t = torch.linspace(0, 4 * np.pi, length)
    signal = torch.stack([torch.sin(t * (c + 1)) for c in range(channels)])
    signal += 0.05 * torch.randn(channels, length)
    spikes = torch.tensor([[0, 17], [1, 60], [2, 95], [0, 101]])
    signal[spikes[:, 0], spikes[:, 1]] = 8.0
    return signal


def median_smooth(x, k=5):
    padded = F.pad(x.unsqueeze(0), (k // 2, k // 2), mode="replicate").squeeze(0)
    return padded.unfold(-1, k, 1).median(dim=-1).values


def despike(signal, z_thresh=4.0):
    mu = signal.mean(dim=1, keepdim=True)
    sigma = signal.std(dim=1, keepdim=True)
    spikes = (signal - mu).abs() > z_thresh * sigma
    smoothed = median_smooth(signal)
    cleaned = signal.clone()
    cleaned[spikes] = smoothed
    return cleaned, spikes


class ConvAE(nn.Module):
    def __init__(self, channels=3):
        super().__init__()
        self.enc = nn.Sequential(nn.Conv1d(channels, 8, 5, stride=2, padding=2), nn.ReLU())
        self.dec = nn.ConvTranspose1d(8, channels, 4, stride=2, padding=1)

    def forward(self, x):
        return self.dec(self.enc(x))


raw = load_recording()
clean, spike_mask = despike(raw)
print(f"replaced {int(spike_mask.sum())} spikes")
ae = ConvAE()
opt = torch.optim.Adam(ae.parameters(), lr=1e-2)
x = clean.unsqueeze(0)
for step in range(30):
    loss = F.mse_loss(ae(x), x)
    opt.zero_grad()
    loss.backward()
    opt.step()
print(f"reconstruction mse {loss.item():.4f}")
