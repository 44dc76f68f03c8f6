"""Saliency map: gradient of the class score with respect to a normalised input."""
import torch
import torch.nn as nn

torch.manual_seed(0)
model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                      nn.Flatten(), nn.Linear(8, 5))
model.eval()
MEAN = torch.tensor([0.5, 0.5, 0.5]).view(1, 3, 1, 1)
STD = torch.tensor([0.25, 0.25, 0.25]).view(1, 3, 1, 1)

raw = torch.rand(1, 3, 24, 24, requires_grad=True)
image = (raw - MEAN) / STD


def saliency(inp):
    logits = model(inp)
    logits[0, logits.argmax()].backward()
    grad = image.grad
    if grad is None:
        grad = torch.zeros_like(inp)
    return grad.abs().amax(dim=1)[0]


sal = saliency(image)
assert sal.shape == (24, 24)
assert sal.max() > 0, "no gradient reached the input"
print(f"RESULT saliency_max={sal.max().item():.5f}")
