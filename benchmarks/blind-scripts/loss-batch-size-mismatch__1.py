"""CNN whose flatten uses a hard-coded feature size, folding the batch."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class SmallCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.fc = nn.Linear(32 * 4 * 4, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)     # 32 -> 16
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)     # 16 -> 8
        x = x.view(-1, 32 * 4 * 4)
        return self.fc(x)


images = torch.randn(16, 3, 32, 32)
labels = torch.randint(0, 10, (16,))
model = SmallCNN()
opt = torch.optim.SGD(model.parameters(), lr=0.01)
for epoch in range(3):
    opt.zero_grad()
    out = model(images)
    loss = F.cross_entropy(out, labels)
    loss.backward()
    opt.step()
assert out.shape == (16, 10) and torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")
