"""Per-feature standardization of a tabular batch with stored statistics."""
import torch
import torch.nn as nn

torch.manual_seed(0)
COLUMNS = ["age", "income", "tenure", "balance", "products"]

train = torch.randn(400, len(COLUMNS)) * torch.tensor([10.0, 1000.0, 3.0, 500.0, 1.0])
mean = train.mean(dim=1)
std = train.std(dim=0)


def standardize(batch):
    return (batch - mean) / std


labels = (train[:, 1] > 0).float()
model = nn.Sequential(nn.Linear(len(COLUMNS), 8), nn.ReLU(), nn.Linear(8, 1))
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for epoch in range(30):
    opt.zero_grad()
    logits = model(standardize(train)).squeeze(1)
    loss = nn.functional.binary_cross_entropy_with_logits(logits, labels)
    loss.backward()
    opt.step()

assert standardize(train).mean(0).abs().max() < 1e-3
assert torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")
