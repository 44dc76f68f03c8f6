"""U-Net-style skip connection: decoder features concatenated with encoder features."""
import torch
import torch.nn as nn

torch.manual_seed(0)


class TinyUNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Conv2d(1, 8, 3, padding=1)
        self.down = nn.MaxPool2d(2)
        self.mid = nn.Conv2d(8, 16, 3, padding=1)
        self.up = nn.ConvTranspose2d(16, 8, kernel_size=2, stride=2)
        self.dec = nn.Conv2d(16, 1, 3, padding=1)

    def forward(self, x):
        skip = torch.relu(self.enc(x))
        h = torch.relu(self.mid(self.down(skip)))
        h = self.up(h)
        return self.dec(torch.cat([h, skip], dim=1))


images = torch.randn(4, 1, 32, 32)
masks = (images > 0).float()
net = TinyUNet()
opt = torch.optim.Adam(net.parameters(), lr=1e-2)
for step in range(5):
    opt.zero_grad()
    logits = net(images)
    loss = nn.functional.binary_cross_entropy_with_logits(logits, masks)
    loss.backward()
    opt.step()
assert logits.shape == masks.shape and torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")
