import torch
import torch.nn as nn
import torch.nn.functional as F

ACTIVATIONS = {"relu": nn.ReLU, "gelu": nn.GELU, "tanh": nn.Tanh}


class ConvBlock(nn.Module):
    def __init__(self, c_in, c_out, act="relu"):
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(c_out)
        self.act = ACTIVATIONS[act]()

    def forward(self, x):
        return self.act(self.bn(self.conv(x)))


class Net(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        blocks, c = [], 3
        for width in cfg["widths"]:
            blocks.append(ConvBlock(c, width, cfg["act"]))
            blocks.append(nn.MaxPool2d(2))
            c = width
        self.features = nn.Sequential(*blocks)
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(c * 4 * 4, 64), ACTIVATIONS[cfg["act"]](), nn.Linear(64, cfg["classes"]))

    def forward(self, x):
        return self.head(self.features(x))


cfg = {"widths": [16, 32], "act": "gelu", "classes": 10}
torch.manual_seed(0)
net = Net(cfg)
x = torch.randn(4, 3, 16, 16)
print(net(x).shape)
out = net(x)
assert out.shape == (4, 10) and torch.isfinite(out).all()
assert isinstance(net.head[2], nn.GELU)
print("RESULT conv net built with module activations", tuple(out.shape))
