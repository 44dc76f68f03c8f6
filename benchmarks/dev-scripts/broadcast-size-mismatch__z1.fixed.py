"""Sentence-level sentiment with a small conv encoder over sinusoidal-position-augmented embeddings."""
import math
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

torch.set_num_threads(1)  # avoid thread oversubscription on small tensors

torch.manual_seed(0)

CONFIG = {
    "vocab_size": 300,
    "embed_dim": 32,
    "hidden": 48,
    "max_positions": 128,
    "seq_len": 64,
    "batch_size": 16,
    "epochs": 4,
}


class SinusoidalPositions(nn.Module):
    def __init__(self, dim, max_positions):
        super().__init__()
        pos = torch.arange(max_positions).unsqueeze(1)
        div = torch.exp(torch.arange(0, dim, 2) * (-math.log(10000.0) / dim))
        pe = torch.zeros(1, max_positions, dim)
        pe[0, :, 0::2] = torch.sin(pos * div)
        pe[0, :, 1::2] = torch.cos(pos * div)
        self.register_buffer("pe", pe)

    def forward(self, x):
        return x + self.pe[:, : x.size(1)]


class SentimentCNN(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.embed = nn.Embedding(cfg["vocab_size"], cfg["embed_dim"])
        self.positions = SinusoidalPositions(cfg["embed_dim"], cfg["max_positions"])
        self.conv = nn.Conv1d(cfg["embed_dim"], cfg["hidden"], kernel_size=3, padding=1)
        self.out = nn.Linear(cfg["hidden"], 2)

    def forward(self, ids):
        x = self.positions(self.embed(ids))
        h = F.relu(self.conv(x.transpose(1, 2)))   # [B, hidden, T]
        return self.out(h.max(dim=2).values)


def synthetic_reviews(cfg, n=320):
    g = torch.Generator().manual_seed(7)
    ids = torch.randint(0, cfg["vocab_size"], (n, cfg["seq_len"]), generator=g)
    # "positive" reviews contain more low-id tokens
    label = (ids < cfg["vocab_size"] // 2).float().mean(1) > 0.5
    return TensorDataset(ids, label.long())


ds = synthetic_reviews(CONFIG)
loader = DataLoader(ds, batch_size=CONFIG["batch_size"], shuffle=True,
                    generator=torch.Generator().manual_seed(0))
model = SentimentCNN(CONFIG)
opt = torch.optim.Adam(model.parameters(), lr=3e-3)

epoch_loss = []
for epoch in range(CONFIG["epochs"]):
    total = 0.0
    for ids, y in loader:
        loss = F.cross_entropy(model(ids), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item()
    epoch_loss.append(total / len(loader))
    print(f"epoch {epoch}: {epoch_loss[-1]:.4f}")

assert all(math.isfinite(v) for v in epoch_loss)
assert epoch_loss[-1] < epoch_loss[0]
print(f"RESULT first={epoch_loss[0]:.4f} last={epoch_loss[-1]:.4f} batches={len(loader)}")
