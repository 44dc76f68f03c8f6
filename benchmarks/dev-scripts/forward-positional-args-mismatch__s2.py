# Notebook-style: train a digit-like classifier on synthetic 8x8 images.
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import TensorDataset, DataLoader

# %% data
rng = np.random.default_rng(1)
centers = rng.normal(size=(10, 64)).astype(np.float32)
y_np = rng.integers(0, 10, size=512)
x_np = centers[y_np] + 0.3 * rng.normal(size=(512, 64)).astype(np.float32)
train = TensorDataset(torch.from_numpy(x_np).view(-1, 1, 8, 8), torch.from_numpy(y_np))
torch.manual_seed(1)
loader = DataLoader(train, batch_size=64, shuffle=True)


# %% model
class SmallConvNet(nn.Module):
    def __init__(self, n_classes=10):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.head = nn.Linear(8 * 4 * 4, n_classes)

    def forward(self, x):
        return self.head(self.features(x).flatten(1))


model = SmallConvNet()
criterion = nn.CrossEntropyLoss()
opt = torch.optim.Adam(model.parameters(), lr=3e-3)

# %% train
for epoch in range(3):
    correct = 0
    for xb, yb in loader:
        logits = model(xb, yb)
        loss = criterion(logits, yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        correct += (logits.argmax(1) == yb).sum().item()
    print(f"epoch {epoch}: loss={loss.item():.3f} acc={correct / len(train):.3f}")
