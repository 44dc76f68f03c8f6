import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
config = {"classes": 3, "batch_size": 20, "epochs": 2}


def accuracy(logits, target):
    return (logits.argmax(dim=1) == target).float().mean()


def train_one_epoch(model, loader, opt):
    model.train()
    for xb, yb in loader:
        loss = nn.functional.cross_entropy(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return loss.item()


centers = torch.randn(config["classes"], 2) * 3
y = torch.randint(0, config["classes"], (300,))
X = centers[y] + torch.randn(300, 2)
train_loader = DataLoader(TensorDataset(X[:240], y[:240]), batch_size=config["batch_size"], shuffle=True)
val_loader = DataLoader(TensorDataset(X[240:], y[240:]), batch_size=config["batch_size"])

model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, config["classes"]))
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for epoch in range(config["epochs"]):
    tr = train_one_epoch(model, train_loader, opt)
    print(f"epoch {epoch}: train loss {tr:.3f}")

# --- final validation, per batch ---
model.eval()
scores = []
with torch.no_grad():
    for xb, yb in val_loader:
        logits = model(xb)
        batch_acc = accuracy(logits, yb)
        scores.append(batch_acc.item())
va = sum(scores) / len(scores)
print(f"val acc {va:.3f}")
assert callable(accuracy) and 0.0 <= va <= 1.0
assert len(scores) == len(val_loader) == 3
print(f"RESULT val acc {va:.3f}")
