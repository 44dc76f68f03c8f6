import torch
from torch import nn
from torch.utils.data import Dataset, DataLoader
from dataclasses import dataclass

torch.manual_seed(1)


@dataclass
class Sample:
    features: torch.Tensor
    label: int


class Records(Dataset):
    def __init__(self, n=40):
        self.rows = [Sample(torch.randn(6), int(i % 3)) for i in range(n)]

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, i):
        return self.rows[i]


model = nn.Linear(6, 3)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for batch in DataLoader(Records(), batch_size=10):
    x, y = batch.features, batch.label
    opt.zero_grad()
    loss = nn.functional.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
assert torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")
