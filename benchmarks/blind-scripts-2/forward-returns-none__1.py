import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)


class AudioEventNet(nn.Module):
    """1-D CNN over raw waveforms; can also hand back pooled features for clustering."""

    def __init__(self, n_classes=4):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv1d(1, 8, kernel_size=9, stride=2, padding=4), nn.BatchNorm1d(8), nn.ReLU(),
            nn.Conv1d(8, 16, kernel_size=9, stride=2, padding=4), nn.BatchNorm1d(16), nn.ReLU(),
            nn.AdaptiveAvgPool1d(1),
        )
        self.classifier = nn.Linear(16, n_classes)

    def forward(self, wave, return_features=False):
        feats = self.features(wave).flatten(1)
        if return_features:
            return feats
        logits = self.classifier(feats)


def synth_waves(n=64, length=256):
    t = torch.linspace(0, 1, length)
    labels = torch.arange(n) % 4
    freqs = 5.0 + 10.0 * labels.float()
    waves = torch.sin(2 * torch.pi * freqs[:, None] * t[None, :]) + 0.2 * torch.randn(n, length)
    return waves.unsqueeze(1), labels


waves, labels = synth_waves()
loader = DataLoader(TensorDataset(waves, labels), batch_size=16, shuffle=True)
net = AudioEventNet()
criterion = nn.CrossEntropyLoss()
opt = torch.optim.Adam(net.parameters(), lr=5e-3)

for epoch in range(4):
    net.train()
    for wave, label in loader:
        out = net(wave)
        loss = criterion(out, label)
        opt.zero_grad()
        loss.backward()
        opt.step()
    print(f"epoch {epoch} loss {loss.item():.4f}")

net.eval()
with torch.no_grad():
    emb = net(waves, return_features=True)
print("feature bank:", tuple(emb.shape))
