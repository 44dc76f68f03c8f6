import torch
from torch import nn

torch.manual_seed(5)


class Base(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.width = width


class WaveNetBlock(Base):
    def __init__(self, width=8, dilation=2):
        self.conv = nn.Conv1d(width, width, 3, dilation=dilation, padding=dilation)
        super().__init__(width)

    def forward(self, x):
        return x + torch.tanh(self.conv(x))


block = WaveNetBlock()
audio = torch.randn(4, 8, 100)
target = audio.roll(1, dims=-1)
opt = torch.optim.Adam(block.parameters(), lr=1e-3)
for step in range(5):
    opt.zero_grad()
    loss = nn.functional.mse_loss(block(audio), target)
    loss.backward()
    opt.step()
assert torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")
