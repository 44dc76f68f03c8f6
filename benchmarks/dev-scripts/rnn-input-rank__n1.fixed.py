"""Heart-rate trend classifier: train on batches, then score single recordings one by one."""
import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(0)
rng = np.random.default_rng(0)

SEQ_LEN = 24


def make_recording(rising):
    base = 70 + rng.normal(0, 2)
    slope = 0.6 if rising else -0.05
    t = np.arange(SEQ_LEN)
    return (base + slope * t + rng.normal(0, 1.0, SEQ_LEN)).astype(np.float32)


class TrendGRU(nn.Module):
    def __init__(self, hidden=16):
        super().__init__()
        self.gru = nn.GRU(input_size=1, hidden_size=hidden, batch_first=True)
        self.cls = nn.Linear(hidden, 1)

    def forward(self, x):  # x: [batch, time, 1]
        out, _ = self.gru(x)
        return self.cls(out[:, -1]).squeeze(-1)


def normalise(arr):
    return (arr - 70.0) / 10.0


labels = rng.integers(0, 2, size=128)
recordings = np.stack([make_recording(bool(l)) for l in labels])
X = torch.from_numpy(normalise(recordings)).unsqueeze(-1)  # [128, 24, 1]
Y = torch.from_numpy(labels.astype(np.float32))

model = TrendGRU()
opt = torch.optim.Adam(model.parameters(), lr=2e-2)
loss_fn = nn.BCEWithLogitsLoss()
losses = []
for epoch in range(6):
    for i in range(0, 128, 32):
        loss = loss_fn(model(X[i:i + 32]), Y[i:i + 32])
        opt.zero_grad()
        loss.backward()
        opt.step()
    losses.append(loss.item())


def score_recording(model, recording):
    """Probability that a single raw recording (1-D array of bpm values) is rising."""
    x = torch.as_tensor(normalise(recording), dtype=torch.float32).view(1, -1, 1)
    with torch.no_grad():
        return torch.sigmoid(model(x)).item()


model.eval()
new_rising = [make_recording(True) for _ in range(5)]
new_flat = [make_recording(False) for _ in range(5)]
p_rising = [score_recording(model, r) for r in new_rising]
p_flat = [score_recording(model, r) for r in new_flat]
print("rising:", [round(p, 3) for p in p_rising])
print("flat:  ", [round(p, 3) for p in p_flat])

assert losses[-1] < losses[0]
assert min(p_rising) > max(p_flat)
print(f"RESULT mean_rising={np.mean(p_rising):.3f} mean_flat={np.mean(p_flat):.3f} loss_last={losses[-1]:.4f}")
