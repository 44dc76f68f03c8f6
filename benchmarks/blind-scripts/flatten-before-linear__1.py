"""LeNet-style network for 28x28 grayscale digits."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)       # 28 -> 24, pool -> 12
        self.conv2 = nn.Conv2d(6, 16, 5)      # 12 -> 8, pool -> 4
        self.fc1 = nn.Linear(16 * 4 * 4, 120)
        self.fc2 = nn.Linear(120, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.relu(self.fc1(x))
        return self.fc2(x)


digits = torch.randn(64, 1, 28, 28)
labels = torch.randint(0, 10, (64,))
net = LeNet()
opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
for epoch in range(3):
    opt.zero_grad()
    out = net(digits)
    loss = F.cross_entropy(out, labels)
    loss.backward()
    opt.step()
assert out.shape == (64, 10) and torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")
