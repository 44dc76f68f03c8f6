"""Denoising autoencoder for sensor readings stored as plain Python lists."""
import random
import torch
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader

torch.set_num_threads(1)

random.seed(0)
torch.manual_seed(0)
device = torch.device("cpu")

WINDOW = 16


def load_readings(n_windows=200):
    """Pretend this came from a CSV: each window is a list of floats."""
    rows = []
    for i in range(n_windows):
        phase = random.random() * 6.28
        rows.append([round(torch.sin(torch.tensor(phase + 0.4 * t)).item(), 4) for t in range(WINDOW)])
    return rows


class SensorWindows(Dataset):
    def __init__(self, rows, noise=0.1):
        self.rows = rows
        self.noise = noise

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, idx):
        values = self.rows[idx]
        return torch.tensor(values, dtype=torch.float32)


class DenoisingAE(nn.Module):
    def __init__(self, width=WINDOW, bottleneck=4):
        super().__init__()
        self.enc = nn.Sequential(nn.Linear(width, 32), nn.Tanh(), nn.Linear(32, bottleneck))
        self.dec = nn.Sequential(nn.Linear(bottleneck, 32), nn.Tanh(), nn.Linear(32, width))

    def forward(self, x):
        return self.dec(self.enc(x))


ds = SensorWindows(load_readings())
loader = DataLoader(ds, batch_size=20, shuffle=True, generator=torch.Generator().manual_seed(0))
model = DenoisingAE().to(device)
opt = torch.optim.Adam(model.parameters(), lr=5e-3)
loss_fn = nn.MSELoss()

epoch_losses = []
for epoch in range(15):
    running = 0.0
    for batch in loader:
        clean = batch.to(device)
        noisy = clean + ds.noise * torch.randn_like(clean)
        recon = model(noisy)
        loss = loss_fn(recon, clean)
        opt.zero_grad()
        loss.backward()
        opt.step()
        running += loss.item()
    epoch_losses.append(running / len(loader))

print("epoch losses:", [round(v, 4) for v in epoch_losses])
assert clean.shape == (20, WINDOW)
assert epoch_losses[-1] < epoch_losses[0] * 0.5
print(f"RESULT first={epoch_losses[0]:.4f} last={epoch_losses[-1]:.4f} batches={len(loader)}")
