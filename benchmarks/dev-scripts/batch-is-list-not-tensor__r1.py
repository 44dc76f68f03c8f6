"""Sensor windows from a JSON-lines log -> 1D CNN anomaly classifier."""
import json
import torch
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader

torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

g = torch.Generator().manual_seed(0)
LOG = "\n".join(
    json.dumps({"window": torch.randn(24, generator=g).round(decimals=3).tolist(),
                "anomaly": int(i % 5 == 0)})
    for i in range(40)
)


class SensorWindows(Dataset):
    def __init__(self, text):
        self.records = [json.loads(line) for line in text.splitlines()]

    def __len__(self):
        return len(self.records)

    def __getitem__(self, idx):
        rec = self.records[idx]
        return rec["window"], rec["anomaly"]


model = nn.Sequential(
    nn.Conv1d(1, 8, 5, padding=2), nn.ReLU(), nn.AdaptiveAvgPool1d(1), nn.Flatten(), nn.Linear(8, 2)
).to(device)
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
loader = DataLoader(SensorWindows(LOG), batch_size=8, shuffle=True,
                    generator=torch.Generator().manual_seed(0))

for epoch in range(2):
    for window, label in loader:
        window, label = window.to(device), label.to(device)
        logits = model(window.unsqueeze(1).float())
        loss = nn.functional.cross_entropy(logits, label)
        opt.zero_grad()
        loss.backward()
        opt.step()
    print("epoch", epoch, "loss", loss.item())
