"""Labels were one-hot encoded during preprocessing."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
N_CLASSES = 6

x = torch.randn(90, 12)
classes = torch.randint(0, N_CLASSES, (90,))
y_onehot = F.one_hot(classes, N_CLASSES)         # kept from a Keras-style pipeline

model = nn.Sequential(nn.Linear(12, 32), nn.ReLU(), nn.Linear(32, N_CLASSES))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
loss_fn = nn.CrossEntropyLoss()


def train_step(xb, yb):
    opt.zero_grad()
    loss = loss_fn(model(xb), yb)
    loss.backward()
    opt.step()
    return loss.item()


for epoch in range(15):
    last = train_step(x, y_onehot.argmax(dim=1))

with torch.no_grad():
    acc = (model(x).argmax(1) == classes).float().mean().item()
assert last == last
print(f"RESULT loss={last:.4f} acc={acc:.3f}")
