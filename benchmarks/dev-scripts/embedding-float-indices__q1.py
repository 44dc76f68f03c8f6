"""Matrix-factorisation recommender trained from a CSV of (user, item, rating)."""
import io

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

rng = np.random.default_rng(0)
torch.manual_seed(0)

N_USERS, N_ITEMS = 30, 50
rows = [f"{rng.integers(N_USERS)},{rng.integers(N_ITEMS)},{rng.integers(1, 6)}" for _ in range(400)]
CSV = "user,item,rating\n" + "\n".join(rows)


class Ratings(Dataset):
    def __init__(self, text):
        self.data = np.loadtxt(io.StringIO(text), delimiter=",", skiprows=1)

    def __len__(self):
        return len(self.data)

    def __getitem__(self, i):
        row = torch.from_numpy(self.data[i]).float()
        return row[0], row[1], row[2]


class MF(nn.Module):
    def __init__(self, n_users, n_items, dim=8):
        super().__init__()
        self.user = nn.Embedding(n_users, dim)
        self.item = nn.Embedding(n_items, dim)
        self.bias = nn.Parameter(torch.tensor(3.0))

    def forward(self, u, i):
        return (self.user(u) * self.item(i)).sum(-1) + self.bias


loader = DataLoader(Ratings(CSV), batch_size=64, shuffle=True)
model = MF(N_USERS, N_ITEMS)
opt = torch.optim.Adam(model.parameters(), lr=0.05)
for epoch in range(5):
    total = 0.0
    for u, i, r in loader:
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(u, i), r)
        loss.backward()
        opt.step()
        total += loss.item() * len(r)
    print(f"epoch {epoch}: mse {total / len(loader.dataset):.3f}")
