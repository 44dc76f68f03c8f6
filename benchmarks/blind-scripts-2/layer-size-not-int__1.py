import torch
import torch.nn as nn

torch.manual_seed(0)


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, channels, reduction=4):
        super().__init__()
        mid = channels / reduction
        self.reduce = nn.Conv2d(channels, mid, kernel_size=1, bias=False)
        self.bn1 = nn.BatchNorm2d(mid)
        self.conv = nn.Conv2d(mid, mid, kernel_size=3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(mid)
        self.expand = nn.Conv2d(mid, channels, kernel_size=1, bias=False)
        self.bn3 = nn.BatchNorm2d(channels)
        self.act = nn.ReLU(inplace=True)

    def forward(self, x):
        out = self.act(self.bn1(self.reduce(x)))
        out = self.act(self.bn2(self.conv(out)))
        out = self.bn3(self.expand(out))
        return self.act(out + x)


class SmallResNet(nn.Module):
    def __init__(self, width=64, blocks=2, classes=10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU())
        self.blocks = nn.Sequential(*[Bottleneck(width) for _ in range(blocks)])
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(width, classes))

    def forward(self, x):
        return self.head(self.blocks(self.stem(x)))


model = SmallResNet()
x = torch.randn(2, 3, 32, 32)
logits = model(x)
print("logits", tuple(logits.shape))
