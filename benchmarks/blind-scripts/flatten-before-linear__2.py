import torch
from torch import nn

torch.manual_seed(6)
IMG_SIZE = 64

features = nn.Sequential(
    nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),   # 32
    nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 16
    nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 8
)
classifier = nn.Sequential(
    nn.Flatten(),
    nn.Linear(32 * 16 * 16, 64),
    nn.ReLU(),
    nn.Linear(64, 2),
)
model = nn.Sequential(features, classifier)

cats_dogs = torch.randn(8, 3, IMG_SIZE, IMG_SIZE)
is_dog = torch.randint(0, 2, (8,))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
criterion = nn.CrossEntropyLoss()
for epoch in range(3):
    opt.zero_grad()
    logits = model(cats_dogs)
    loss = criterion(logits, is_dog)
    loss.backward()
    opt.step()
assert logits.shape == (8, 2)
assert torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")
