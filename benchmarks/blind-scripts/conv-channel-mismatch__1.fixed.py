"""Images decoded as [N, H, W, C] (numpy/PIL order) fed straight to a CNN."""
import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(0)
rng = np.random.default_rng(0)

batch_hwc = rng.integers(0, 256, size=(8, 32, 32, 3), dtype=np.uint8)
labels = torch.randint(0, 5, (8,))


def to_tensor(images: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(images).permute(0, 3, 1, 2).float() / 255.0


model = nn.Sequential(
    nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
    nn.Flatten(), nn.Linear(32, 5),
)
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
x = to_tensor(batch_hwc)
for step in range(4):
    opt.zero_grad()
    logits = model(x)
    loss = nn.functional.cross_entropy(logits, labels)
    loss.backward()
    opt.step()
assert logits.shape == (8, 5) and torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")
