"""Autoencoder for anomaly scoring on tabular sensor readings."""
import numpy as np
import torch.nn as nn
from torch import optim
from torch.utils.data import DataLoader, Dataset

np.random.seed(0)


class SensorReadings(Dataset):
    def __init__(self, n=200, dim=6, anomaly_rate=0.05):
        base = np.random.randn(n, 2)
        mix = np.random.randn(2, dim)
        self.data = (base @ mix + 0.05 * np.random.randn(n, dim)).astype(np.float32)
        self.is_anomaly = np.random.rand(n) < anomaly_rate
        self.data[self.is_anomaly] += np.random.randn(int(self.is_anomaly.sum()), dim).astype(np.float32) * 3
        self.mean = self.data.mean(0)
        self.std = self.data.std(0) + 1e-6

    def __len__(self):
        return len(self.data)

    def __getitem__(self, idx):
        row = (self.data[idx] - self.mean) / self.std
        return torch.from_numpy(row)


class AutoEncoder(nn.Module):
    def __init__(self, dim=6, bottleneck=2, seed=0):
        super().__init__()
        torch.manual_seed(seed)
        self.encoder = nn.Sequential(nn.Linear(dim, 16), nn.ReLU(), nn.Linear(16, bottleneck))
        self.decoder = nn.Sequential(nn.Linear(bottleneck, 16), nn.ReLU(), nn.Linear(16, dim))

    def forward(self, x):
        return self.decoder(self.encoder(x))


def fit(model, ds, epochs=20):
    opt = optim.Adam(model.parameters(), lr=1e-2)
    loss_fn = nn.MSELoss()
    loader = DataLoader(ds, batch_size=32, shuffle=True)
    for epoch in range(epochs):
        for x in loader:
            loss = loss_fn(model(x), x)
            opt.zero_grad()
            loss.backward()
            opt.step()
    return loss.item()


def main():
    ds = SensorReadings()
    model = AutoEncoder()
    final = fit(model, ds)
    print(f"final reconstruction loss {final:.4f}")
    model.eval()
    x = torch.stack([ds[i] for i in range(len(ds))])
    with torch.no_grad():
        scores = ((model(x) - x) ** 2).mean(1)
    flagged = scores > scores.quantile(0.95)
    hits = int((flagged.numpy() & ds.is_anomaly).sum())
    print(f"flagged {int(flagged.sum())} rows, {hits} of {int(ds.is_anomaly.sum())} true anomalies")
    return final, scores, hits


if __name__ == "__main__":
    main()
