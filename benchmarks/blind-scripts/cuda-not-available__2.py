import argparse
import torch
from torch import nn

parser = argparse.ArgumentParser()
parser.add_argument("--device", default="cuda:0")
parser.add_argument("--steps", type=int, default=10)
args = parser.parse_args([])
torch.manual_seed(3)

device = torch.device(args.device)
net = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 3))
net = net.to(device)
opt = torch.optim.SGD(net.parameters(), lr=0.05)
images = torch.randn(12, 1, 8, 8)
labels = torch.randint(0, 3, (12,))

for step in range(args.steps):
    xb, yb = images.to(device), labels.to(device)
    opt.zero_grad()
    loss = nn.functional.cross_entropy(net(xb), yb)
    loss.backward()
    opt.step()

assert torch.isfinite(loss)
assert loss.device.type == device.type
print(f"RESULT loss={loss.item():.4f}")
