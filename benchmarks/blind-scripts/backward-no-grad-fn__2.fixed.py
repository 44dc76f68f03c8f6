import numpy as np
import torch
from torch import nn

torch.manual_seed(4)
# a custom "dice" metric used as a loss, written with numpy
net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 1, 1))
imgs = torch.randn(6, 1, 16, 16)
masks = (imgs > 0.5).float()
opt = torch.optim.Adam(net.parameters(), lr=1e-2)


def dice_loss(logits, target):
    p = torch.sigmoid(logits)
    dice = (2 * (p * target).sum() + 1) / (p.sum() + target.sum() + 1)
    return 1 - dice


for step in range(6):
    opt.zero_grad()
    loss = dice_loss(net(imgs), masks)
    loss.backward()
    opt.step()
assert torch.isfinite(loss)
print(f"RESULT dice_loss={loss.item():.4f}")
