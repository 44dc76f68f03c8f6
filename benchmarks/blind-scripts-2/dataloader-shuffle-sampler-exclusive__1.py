"""Fraud detection toy: heavy class imbalance handled with a weighted sampler."""
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset, WeightedRandomSampler

torch.manual_seed(0)

N_NORMAL, N_FRAUD = 380, 20
x = torch.cat([torch.randn(N_NORMAL, 8), torch.randn(N_FRAUD, 8) + 1.5])
y = torch.cat([torch.zeros(N_NORMAL), torch.ones(N_FRAUD)]).long()
dataset = TensorDataset(x, y)


def make_balanced_loader(dataset, labels, batch_size=32):
    class_counts = torch.bincount(labels)
    sample_weights = (1.0 / class_counts.float())[labels]
    sampler = WeightedRandomSampler(sample_weights, num_samples=len(labels), replacement=True,
                                    generator=torch.Generator().manual_seed(0))
    return DataLoader(dataset, batch_size=batch_size, shuffle=True, sampler=sampler)


loader = make_balanced_loader(dataset, y)
model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 2))
opt = torch.optim.Adam(model.parameters(), lr=5e-3)
fraud_seen = 0
for epoch in range(3):
    for xb, yb in loader:
        fraud_seen += yb.sum().item()
        loss = nn.functional.cross_entropy(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
    print(f"epoch {epoch} loss {loss.item():.4f}")
with torch.no_grad():
    recall = (model(x[y == 1]).argmax(1) == 1).float().mean().item()
print(f"fraud samples seen: {fraud_seen}, fraud recall: {recall:.2f}")
