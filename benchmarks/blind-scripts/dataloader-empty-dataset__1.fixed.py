"""Train/validation split by a filter that, with the wrong label name, keeps nothing."""
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

torch.manual_seed(0)
ROWS = [(torch.randn(4), "train" if i % 5 else "val") for i in range(50)]


class SplitDataset(Dataset):
    def __init__(self, rows, split):
        self.rows = [x for x, s in rows if s == split]

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, i):
        x = self.rows[i]
        return x, x.sum()


train_loader = DataLoader(SplitDataset(ROWS, "train"), batch_size=8, shuffle=True)
model = nn.Linear(4, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(5):
    for x, y in train_loader:
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(x).squeeze(1), y)
        loss.backward()
        opt.step()
assert torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")
