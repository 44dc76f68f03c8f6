import argparse
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

parser = argparse.ArgumentParser(description="toy MNIST-style classifier")
parser.add_argument("--epochs", type=int, default=2)
parser.add_argument("--lr", type=float, default=0.05)
parser.add_argument("--log-interval", type=int, default=2)
args = parser.parse_args([])

torch.manual_seed(0)


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.fc1 = nn.Linear(28 * 28, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = x.view(-1, 28 * 28)
        x = F.relu(self.fc1(x))
        return F.log_softmax(self.fc2(x), dim=1)


data = torch.randn(80, 1, 28, 28)
labels = torch.arange(80) % 10
batches = [(data[i:i + 16], labels[i:i + 16]) for i in range(0, 80, 16)]

model = Net()
optimizer = optim.SGD(model.parameters(), lr=args.lr, momentum=0.5)
history = []

for epoch in range(1, args.epochs + 1):
    model.train()
    for batch_idx, (x, target) in enumerate(batches):
        optimizer.zero_grad()
        output = model(x)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        if batch_idx % args.log_interval == 0:
            print("Train Epoch: {} [{}/{}]\tLoss: {:.6f}".format(
                epoch, batch_idx * len(x), len(data), loss.item()))
        history.append(loss.item())

assert len(history) == args.epochs * len(batches)
assert all(isinstance(v, float) for v in history)
print(f"RESULT trained {len(history)} steps, last loss {history[-1]:.4f}")
