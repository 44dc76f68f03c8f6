"""Eval script for a trained click-through-rate model; the dataset also returns the row id."""
import io
import torch
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader

torch.set_num_threads(1)  # small CPU job: one intra-op thread is faster here

torch.manual_seed(0)
N_DENSE = 6


class ClickLog(Dataset):
    def __init__(self, n=200):
        g = torch.Generator().manual_seed(9)
        self.dense = torch.randn(n, N_DENSE, generator=g)
        logit = self.dense[:, 0] * 2.0 - self.dense[:, 1]
        self.clicked = (logit > 0).float()
        self.row_ids = torch.arange(1000, 1000 + n)

    def __len__(self):
        return len(self.clicked)

    def __getitem__(self, i):
        return self.dense[i], self.clicked[i], self.row_ids[i]


class CTRModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(N_DENSE, 16), nn.ReLU(), nn.Linear(16, 1))

    def forward(self, x):
        return self.mlp(x).squeeze(-1)


def train_and_export():
    """Stand-in for the training job: returns the checkpoint bytes."""
    model = CTRModel()
    opt = torch.optim.Adam(model.parameters(), lr=2e-2)
    ds = ClickLog()
    for _ in range(150):
        loss = nn.functional.binary_cross_entropy_with_logits(model(ds.dense), ds.clicked)
        opt.zero_grad()
        loss.backward()
        opt.step()
    buf = io.BytesIO()
    torch.save({"state_dict": model.state_dict()}, buf)
    return buf.getvalue()


def evaluate(ckpt_bytes):
    model = CTRModel()
    state = torch.load(io.BytesIO(ckpt_bytes), map_location="cpu")
    model.load_state_dict(state["state_dict"])
    model.eval()
    loader = DataLoader(ClickLog(), batch_size=64)
    correct, seen, n_batches = 0, 0, 0
    with torch.no_grad():
        for features, labels in loader:
            probs = torch.sigmoid(model(features))
            correct += ((probs > 0.5).float() == labels).sum().item()
            seen += labels.numel()
            n_batches += 1
    return correct / seen, n_batches


acc, n_batches = evaluate(train_and_export())
print(f"accuracy {acc:.3f} over {n_batches} batches")
assert n_batches == 4
assert acc > 0.9, acc
print(f"RESULT accuracy={acc:.3f} batches={n_batches}")
