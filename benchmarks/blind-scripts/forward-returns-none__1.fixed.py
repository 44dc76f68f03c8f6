"""Model whose forward forgets to return on the training branch."""
import torch
import torch.nn as nn

torch.manual_seed(0)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(6, 16)
        self.fc2 = nn.Linear(16, 3)
        self.drop = nn.Dropout(0.2)

    def forward(self, x):
        h = torch.relu(self.fc1(x))
        if self.training:
            h = self.drop(h)
            return self.fc2(h)
        else:
            return self.fc2(h)


net = Net()
opt = torch.optim.SGD(net.parameters(), lr=0.1)
X, y = torch.randn(30, 6), torch.randint(0, 3, (30,))
for epoch in range(5):
    opt.zero_grad()
    loss = nn.functional.cross_entropy(net(X), y)
    loss.backward()
    opt.step()
assert torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")
