"""Dataset statistics for normalisation computed on raw uint8-style pixel counts."""
import torch
import torch.nn as nn

torch.manual_seed(0)
pixels = torch.randint(0, 256, (64, 1, 12, 12))
labels = torch.randint(0, 2, (64,))


def channel_stats(imgs):
    mean = imgs.float().mean(dim=(0, 2, 3), keepdim=True)
    std = imgs.float().std(dim=(0, 2, 3), keepdim=True)
    return mean, std


mean, std = channel_stats(pixels)
x = (pixels.float() - mean) / std
model = nn.Sequential(nn.Flatten(), nn.Linear(144, 2))
opt = torch.optim.SGD(model.parameters(), lr=0.05)
for epoch in range(5):
    opt.zero_grad()
    loss = nn.functional.cross_entropy(model(x), labels)
    loss.backward()
    opt.step()
assert abs(x.mean().item()) < 1e-3
assert torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")
