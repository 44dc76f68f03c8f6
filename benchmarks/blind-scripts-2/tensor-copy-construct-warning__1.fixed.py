import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


class WindowedSignals(Dataset):
    def __init__(self, signals, labels, window=32):
        self.signals = signals      # [N, T] float tensor
        self.labels = labels        # [N] long tensor
        self.window = window

    def __len__(self):
        return self.signals.shape[0]

    def __getitem__(self, idx):
        x = self.signals[idx, : self.window].to(torch.float32)
        y = self.labels[idx].to(torch.long)
        return x.unsqueeze(0), y


torch.manual_seed(0)
t = torch.linspace(0, 6.28, 64)
freqs = torch.arange(1, 41).float() % 4 + 1
signals = torch.sin(freqs[:, None] * t[None, :]) + 0.1 * torch.randn(40, 64)
labels = (freqs - 1).long()

loader = DataLoader(WindowedSignals(signals, labels), batch_size=8, shuffle=True)
model = nn.Sequential(nn.Conv1d(1, 8, 5), nn.ReLU(), nn.AdaptiveMaxPool1d(1), nn.Flatten(), nn.Linear(8, 4))
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for epoch in range(3):
    for x, y in loader:
        loss = nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    print(f"epoch {epoch} loss {loss.item():.3f}")
assert x.shape == (8, 1, 32) and y.dtype == torch.long and torch.isfinite(loss)
print(f"RESULT signal classifier trained, loss {loss.item():.3f}")
