"""Tiny U-Net for segmentation masks on 30x30 tiles."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


def block(cin, cout):
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU(inplace=True),
        nn.Conv2d(cout, cout, 3, padding=1), nn.ReLU(inplace=True),
    )


class TinyUNet(nn.Module):
    def __init__(self, in_ch=1, n_classes=2, base=8):
        super().__init__()
        self.enc1 = block(in_ch, base)
        self.enc2 = block(base, base * 2)
        self.enc3 = block(base * 2, base * 4)
        self.up2 = nn.ConvTranspose2d(base * 4, base * 2, 2, stride=2)
        self.dec2 = block(base * 4, base * 2)
        self.up1 = nn.ConvTranspose2d(base * 2, base, 2, stride=2)
        self.dec1 = block(base * 2, base)
        self.head = nn.Conv2d(base, n_classes, 1)

    def forward(self, x):
        s1 = self.enc1(x)                      # 30x30
        s2 = self.enc2(F.max_pool2d(s1, 2))    # 15x15
        b = self.enc3(F.max_pool2d(s2, 2))     # 7x7
        d2 = self.dec2(torch.cat([self.up2(b), s2], dim=1))
        d1 = self.dec1(torch.cat([self.up1(d2), s1], dim=1))
        return self.head(d1)


model = TinyUNet()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
images = torch.rand(4, 1, 30, 30)
masks = (images > 0.5).long().squeeze(1)
for it in range(3):
    opt.zero_grad()
    logits = model(images)
    loss = F.cross_entropy(logits, masks)
    loss.backward()
    opt.step()
    print(f"iter {it} loss {loss.item():.4f}")
