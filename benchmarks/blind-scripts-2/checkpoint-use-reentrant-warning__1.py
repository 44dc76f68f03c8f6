"""U-Net-ish denoiser with activation checkpointing on the encoder stages."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.checkpoint import checkpoint

torch.manual_seed(0)


def conv_block(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.GroupNorm(4, cout), nn.SiLU())


class SmallUNet(nn.Module):
    def __init__(self, ch=8, use_checkpoint=True):
        super().__init__()
        self.use_checkpoint = use_checkpoint
        self.enc1 = conv_block(1, ch)
        self.enc2 = conv_block(ch, ch * 2)
        self.mid = conv_block(ch * 2, ch * 2)
        self.dec = conv_block(ch * 3, ch)
        self.out = nn.Conv2d(ch, 1, 1)

    def _run(self, block, x):
        if self.use_checkpoint and x.requires_grad:
            return checkpoint(block, x)
        return block(x)

    def forward(self, x):
        e1 = self._run(self.enc1, x)
        e2 = self._run(self.enc2, F.avg_pool2d(e1, 2))
        m = self._run(self.mid, e2)
        up = F.interpolate(m, scale_factor=2, mode="nearest")
        return self.out(self.dec(torch.cat([up, e1], dim=1)))


clean = torch.rand(4, 1, 16, 16)
model = SmallUNet()
opt = torch.optim.Adam(model.parameters(), lr=2e-3)
for step in range(5):
    noisy = (clean + 0.1 * torch.randn_like(clean)).requires_grad_()
    loss = F.mse_loss(model(noisy), clean)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f"step {step} mse {loss.item():.5f}")
