import torch
import torch.nn as nn

torch.manual_seed(0)


class FusedScaleShift(torch.autograd.Function):
    """y = x * gamma + beta over the channel dim of an [N, C, L] tensor, with a hand-written backward."""

    @staticmethod
    def forward(ctx, x, gamma, beta):
        ctx.save_for_backward(x, gamma)
        return x * gamma[None, :, None] + beta[None, :, None]

    @staticmethod
    def backward(ctx, grad_y):
        x, gamma = ctx.saved_tensors
        grad_x = grad_y * gamma[None, :, None]
        grad_gamma = (grad_y * x).sum(dim=(0, 2))
        return grad_x, grad_gamma


class ConvBlock(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv = nn.Conv1d(channels, channels, 5, padding=2)
        self.gamma = nn.Parameter(torch.ones(channels))
        self.beta = nn.Parameter(torch.zeros(channels))

    def forward(self, x):
        h = self.conv(x)
        h = (h - h.mean(dim=(0, 2), keepdim=True)) / (h.std(dim=(0, 2), keepdim=True) + 1e-5)
        return torch.relu(FusedScaleShift.apply(h, self.gamma, self.beta)) + x


class SignalNet(nn.Module):
    def __init__(self, channels=8, n_blocks=2):
        super().__init__()
        self.inp = nn.Conv1d(1, channels, 1)
        self.blocks = nn.Sequential(*[ConvBlock(channels) for _ in range(n_blocks)])
        self.out = nn.Linear(channels, 2)

    def forward(self, x):
        return self.out(self.blocks(self.inp(x)).mean(-1))


t = torch.linspace(0, 6.28, 50)
signals = torch.stack([torch.sin(t * (1 + i % 2)) for i in range(16)]).unsqueeze(1)
labels = torch.arange(16) % 2
net = SignalNet()
opt = torch.optim.SGD(net.parameters(), lr=0.1)
for epoch in range(5):
    loss = nn.functional.cross_entropy(net(signals), labels)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f"epoch {epoch} loss {loss.item():.4f}")
