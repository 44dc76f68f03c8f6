"""Batch scoring of loan applications with a trained tabular model."""
import io

import numpy as np
import torch
import torch.nn as nn

FEATURES = ["income", "debt", "age", "years_employed", "num_accounts"]


class RiskModel(nn.Module):
    def __init__(self, n_in):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(n_in, 16), nn.ReLU(), nn.Linear(16, 1))

    def forward(self, x):
        return torch.sigmoid(self.net(x)).squeeze(-1)


def standardize(table, mean, std):
    return (table - mean) / std


def score(model, rows, mean, std):
    feats = standardize(np.asarray(rows, dtype=np.float32), mean, std)
    model.eval()
    with torch.no_grad():
        probs = model(feats)
    return probs


torch.manual_seed(0)
trained = RiskModel(len(FEATURES))
buf = io.BytesIO()
torch.save({"state": trained.state_dict(), "mean": np.zeros(5, np.float32).tolist(),
            "std": np.ones(5, np.float32).tolist()}, buf)
buf.seek(0)

ckpt = torch.load(buf, weights_only=True)
model = RiskModel(len(FEATURES))
model.load_state_dict(ckpt["state"])
mean = np.array(ckpt["mean"], dtype=np.float32)
std = np.array(ckpt["std"], dtype=np.float32)

applications = [
    [52.0, 10.5, 34, 6, 3],
    [18.0, 22.0, 22, 1, 1],
    [95.0, 4.0, 51, 20, 7],
]
probs = score(model, applications, mean, std)
for row, p in zip(applications, probs):
    print(row, "default risk", round(float(p), 3))
