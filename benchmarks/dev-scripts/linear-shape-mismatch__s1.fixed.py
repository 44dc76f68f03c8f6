"""CIFAR-sized CNN (3x32x32), trained for a few steps on random data, then checkpointed."""
import io
import torch
import torch.nn as nn

torch.manual_seed(0)


class Net(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, kernel_size=5)   # 32 -> 28
        self.conv2 = nn.Conv2d(16, 32, kernel_size=5)  # 14 -> 10
        self.pool = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(32 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, num_classes)

    def forward(self, x):
        x = self.pool(torch.relu(self.conv1(x)))
        x = self.pool(torch.relu(self.conv2(x)))  # 10 -> 5
        x = torch.flatten(x, 1)
        x = torch.relu(self.fc1(x))
        return self.fc2(x)


def train(model, steps=5):
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    images = torch.randn(32, 3, 32, 32)
    targets = torch.randint(0, 10, (32,))
    for step in range(steps):
        out = model(images)
        loss = nn.functional.cross_entropy(out, targets)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return loss.item(), out


model = Net()
loss, out = train(model)
buf = io.BytesIO()
torch.save(model.state_dict(), buf)
print(f"loss after training: {loss:.4f}, checkpoint {buf.tell()} bytes")
buf.seek(0)
reloaded = Net()
reloaded.load_state_dict(torch.load(buf))
assert out.shape == (32, 10)
assert torch.equal(reloaded.fc1.weight, model.fc1.weight)
print(f"RESULT loss={loss:.4f}")
