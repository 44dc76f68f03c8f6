# %% [notebook] input-gradient saliency for a small CNN
import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(9)
rng = np.random.default_rng(9)

net = nn.Sequential(
    nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(8 * 14 * 14, 10),
)
net.eval()

# %% load one "image" (uint8 numpy, like from PIL) and normalize it
raw = rng.integers(0, 256, size=(28, 28), dtype=np.uint8)
pixels = torch.tensor(raw / 255.0, dtype=torch.float32, requires_grad=True)  # the leaf
img = (pixels - 0.1307) / 0.3081
batch = img.unsqueeze(0).unsqueeze(0)

# %% gradient of the top class score w.r.t. the pixels
scores = net(batch)
top = scores.argmax(dim=1).item()
scores[0, top].backward()

saliency = pixels.grad
print("top class:", top)
print("saliency:", saliency.abs().max().item())
assert saliency is not None and saliency.shape == (28, 28)
assert saliency.abs().sum() > 0
print(f"RESULT top={top} saliency={tuple(saliency.shape)} max={saliency.abs().max().item():.4f}")
