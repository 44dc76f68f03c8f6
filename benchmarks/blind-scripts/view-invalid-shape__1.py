"""MNIST-like MLP where the batch is flattened with a hard-coded batch size."""
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
BATCH_SIZE = 32

images = torch.randn(100, 1, 28, 28)
labels = torch.randint(0, 10, (100,))
loader = DataLoader(TensorDataset(images, labels), batch_size=BATCH_SIZE)

mlp = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
opt = torch.optim.Adam(mlp.parameters(), lr=1e-3)
criterion = nn.CrossEntropyLoss()

for epoch in range(2):
    seen, running = 0, 0.0
    for x, y in loader:
        x = x.view(BATCH_SIZE, 784)
        opt.zero_grad()
        loss = criterion(mlp(x), y)
        loss.backward()
        opt.step()
        running += loss.item() * len(y)
        seen += len(y)

assert seen == 100
print(f"RESULT loss={running / seen:.4f}")
