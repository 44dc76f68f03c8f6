"""Fine-tune a classification head on a frozen 'pretrained' encoder; labels read from a CSV-like list."""
import io
import random

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

CONFIG = {"num_classes": 4, "hidden": 24, "in_dim": 10, "lr": 5e-3, "epochs": 3, "batch_size": 8}

RAW_ROWS = []
random.seed(1)
for i in range(48):
    cls = random.randint(1, CONFIG["num_classes"])
    feats = [random.gauss(cls, 1.0) for _ in range(CONFIG["in_dim"])]
    RAW_ROWS.append(f"{cls}," + ",".join(f"{v:.3f}" for v in feats))


class RowDataset(Dataset):
    def __init__(self, rows):
        self.samples = []
        for row in rows:
            label, *vals = row.split(",")
            self.samples.append((torch.tensor([float(v) for v in vals]), int(label)))

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, i):
        x, y = self.samples[i]
        return x, torch.tensor(y, dtype=torch.long)


class Encoder(nn.Module):
    def __init__(self, in_dim, hidden):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(in_dim, hidden), nn.GELU(), nn.Linear(hidden, hidden))

    def forward(self, x):
        return self.net(x)


def pretrained_encoder():
    torch.manual_seed(123)
    enc = Encoder(CONFIG["in_dim"], CONFIG["hidden"])
    buf = io.BytesIO()
    torch.save(enc.state_dict(), buf)
    buf.seek(0)
    fresh = Encoder(CONFIG["in_dim"], CONFIG["hidden"])
    fresh.load_state_dict(torch.load(buf))
    return fresh


def main():
    torch.manual_seed(0)
    enc = pretrained_encoder()
    for p in enc.parameters():
        p.requires_grad_(False)
    head = nn.Linear(CONFIG["hidden"], CONFIG["num_classes"])
    opt = torch.optim.SGD(head.parameters(), lr=CONFIG["lr"], momentum=0.9)
    loader = DataLoader(RowDataset(RAW_ROWS), batch_size=CONFIG["batch_size"], shuffle=True)
    crit = nn.CrossEntropyLoss()

    for epoch in range(CONFIG["epochs"]):
        running = 0.0
        for xb, yb in loader:
            logits = head(enc(xb))
            loss = crit(logits, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            running += loss.item()
        print(f"epoch {epoch}: {running / len(loader):.4f}")

    assert logits.shape[1] == CONFIG["num_classes"]
    assert torch.isfinite(loss)
    assert all(p.grad is None for p in enc.parameters())
    print(f"RESULT final_loss={loss.item():.4f}")


if __name__ == "__main__":
    main()
