import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)

CONFIG = dict(channels=6, hidden=16, seq_len=50, epochs=2, batch_size=16)


class SensorEncoder(nn.Module):
    """1D conv encoder for multichannel accelerometer windows."""

    def __init__(self, channels, hidden):
        super().__init__()
        self.conv1 = nn.Conv1d(channels, hidden, kernel_size=5, padding=2)
        self.bn1 = nn.BatchNorm2d(hidden)
        self.conv2 = nn.Conv1d(hidden, hidden, kernel_size=5, padding=2)
        self.bn2 = nn.BatchNorm2d(hidden)
        self.head = nn.Linear(hidden, 3)

    def forward(self, x):  # x: (B, C, T)
        x = torch.relu(self.bn1(self.conv1(x)))
        x = torch.relu(self.bn2(self.conv2(x)))
        return self.head(x.mean(dim=2))


X = torch.randn(64, CONFIG["channels"], CONFIG["seq_len"])
y = torch.randint(0, 3, (64,))
loader = DataLoader(TensorDataset(X, y), batch_size=CONFIG["batch_size"], shuffle=True)

model = SensorEncoder(CONFIG["channels"], CONFIG["hidden"])
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
crit = nn.CrossEntropyLoss()
for epoch in range(CONFIG["epochs"]):
    model.train()
    correct = 0
    for xb, yb in loader:
        out = model(xb)
        loss = crit(out, yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        correct += (out.argmax(1) == yb).sum().item()
    print(f"epoch {epoch}: loss={loss.item():.3f} acc={correct / len(X):.2f}")
