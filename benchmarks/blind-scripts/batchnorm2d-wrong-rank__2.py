import torch
from torch import nn

torch.manual_seed(2)
# spectrogram "images": [batch, freq, time] with no channel axis
spec = torch.randn(20, 32, 32).abs()
genre = torch.randint(0, 3, (20,))


class SpecNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.bn_in = nn.BatchNorm2d(1)
        self.conv = nn.Conv2d(1, 6, kernel_size=5, stride=2)
        self.pool = nn.AdaptiveMaxPool2d(2)
        self.fc = nn.Linear(6 * 2 * 2, 3)

    def forward(self, x):
        x = self.bn_in(x)
        x = torch.relu(self.conv(x))
        return self.fc(self.pool(x).flatten(1))


net = SpecNet()
optim = torch.optim.Adam(net.parameters(), 1e-3)
for i in range(5):
    optim.zero_grad()
    out = net(spec)
    loss = nn.CrossEntropyLoss()(out, genre)
    loss.backward()
    optim.step()
assert out.shape == (20, 3) and torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")
