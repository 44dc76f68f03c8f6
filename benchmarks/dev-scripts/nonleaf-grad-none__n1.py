"""Vanilla-gradient saliency map for a small image classifier."""
import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(0)
np.random.seed(0)

MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)


class TinyResBlock(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.c1 = nn.Conv2d(ch, ch, 3, padding=1, bias=False)
        self.b1 = nn.BatchNorm2d(ch)
        self.c2 = nn.Conv2d(ch, ch, 3, padding=1, bias=False)
        self.b2 = nn.BatchNorm2d(ch)

    def forward(self, x):
        h = torch.relu(self.b1(self.c1(x)))
        return torch.relu(x + self.b2(self.c2(h)))


class TinyResNet(nn.Module):
    def __init__(self, n_classes=5):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU())
        self.blocks = nn.Sequential(TinyResBlock(16), nn.MaxPool2d(2), TinyResBlock(16))
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, n_classes))

    def forward(self, x):
        return self.head(self.blocks(self.stem(x)))


def preprocess(img):
    return (img - MEAN) / STD


model = TinyResNet().eval()

# the image the user wants explained, in [0, 1]
image = torch.rand(1, 3, 32, 32)
image[:, :, 8:16, 8:16] = 1.0  # a bright patch

inp = image.clone().requires_grad_(True)
x = preprocess(inp)
logits = model(x)
target_class = int(logits.argmax(1))
score = logits[0, target_class]
score.backward()

grad = x.grad
saliency = grad.abs().amax(dim=1)[0]  # [H, W]
saliency = saliency / saliency.max()

top = torch.topk(saliency.flatten(), 10).indices
rows, cols = top // 32, top % 32
print("top saliency pixels:", list(zip(rows.tolist(), cols.tolist()))[:5])

assert saliency.shape == (32, 32)
assert torch.isfinite(saliency).all()
assert saliency.max().item() == 1.0
print(f"RESULT class={target_class} score={score.item():.4f} sal_mean={saliency.mean().item():.4f}")
