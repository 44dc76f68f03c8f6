import sys
import time
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader

torch.manual_seed(0)
np.random.seed(0)

SIG_LEN = 64


def make_records(n=96):
    rng = np.random.default_rng(0)
    records = []
    for i in range(n):
        label = i % 2
        freq = 3.0 if label else 7.0
        t = np.linspace(0, 1, SIG_LEN, dtype=np.float32)
        sig = np.sin(2 * np.pi * freq * t) + 0.1 * rng.normal(size=SIG_LEN).astype(np.float32)
        if i % 9 == 4:
            sig = sig[: SIG_LEN // 2]
        records.append({"id": i, "signal": sig.astype(np.float32), "label": label})
    return records


def validate_record(rec):
    if rec["signal"].shape != (SIG_LEN,):
        sys.exit(f"record {rec['id']}: bad signal length {rec['signal'].shape[0]}")
    return rec


def is_valid(rec):
    return rec["signal"].shape == (SIG_LEN,)


class SignalDataset(Dataset):
    def __init__(self, records):
        self.records = records

    def __len__(self):
        return len(self.records)

    def __getitem__(self, idx):
        rec = validate_record(self.records[idx])
        x = torch.from_numpy(rec["signal"]).unsqueeze(0)
        return x, torch.tensor(rec["label"])


class SignalNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv1d(1, 8, 5, padding=2), nn.ReLU(), nn.MaxPool1d(2),
            nn.Conv1d(8, 16, 5, padding=2), nn.ReLU(), nn.AdaptiveAvgPool1d(1),
        )
        self.fc = nn.Linear(16, 2)

    def forward(self, x):
        return self.fc(self.conv(x).flatten(1))


def main():
    start = time.time()
    ds = SignalDataset(make_records())
    loader = DataLoader(ds, batch_size=16, shuffle=True, num_workers=2, persistent_workers=True,
                        generator=torch.Generator().manual_seed(0))
    model = SignalNet()
    opt = torch.optim.Adam(model.parameters(), lr=5e-3)
    loss_fn = nn.CrossEntropyLoss()
    seen = 0
    for epoch in range(3):
        for xb, yb in loader:
            loss = loss_fn(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            seen += yb.numel()
        print(f"epoch {epoch} loss {loss.item():.4f}")
    assert seen == 3 * len(ds)
    assert torch.isfinite(loss)
    print(f"RESULT loss={loss.item():.4f} samples={seen} secs={time.time() - start:.1f}")


if __name__ == "__main__":
    main()
