import torch
import torch.nn as nn
import torch.nn.functional as F


def double_conv(c_in, c_out):
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 3, padding=1), nn.ReLU(inplace=True),
        nn.Conv2d(c_out, c_out, 3, padding=1), nn.ReLU(inplace=True),
    )


class SmallUNet(nn.Module):
    def __init__(self, in_ch=1, n_classes=2, base=8):
        super().__init__()
        self.enc1 = double_conv(in_ch, base)
        self.enc2 = double_conv(base, base * 2)
        self.bottleneck = double_conv(base * 2, base * 4)
        self.dec2 = double_conv(base * 4 + base * 2, base * 2)
        self.dec1 = double_conv(base * 2 + base, base)
        self.out = nn.Conv2d(base, n_classes, 1)

    def up(self, x, skip):
        return F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)

    def forward(self, x):
        s1 = self.enc1(x)
        s2 = self.enc2(F.max_pool2d(s1, 2))
        b = self.bottleneck(F.max_pool2d(s2, 2))
        d2 = self.dec2(torch.cat([self.up(b, s2), s2], dim=1))
        d1 = self.dec1(torch.cat([self.up(d2, s1), s1], dim=1))
        return self.out(d1)


def make_batch(n, size, gen):
    """Random discs on noise; mask = pixels inside the disc."""
    yy, xx = torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij")
    imgs, masks = [], []
    for _ in range(n):
        cy, cx = torch.randint(size // 4, 3 * size // 4, (2,), generator=gen)
        r = torch.randint(size // 8, size // 4, (1,), generator=gen)
        m = ((yy - cy) ** 2 + (xx - cx) ** 2 <= r ** 2).long()
        img = m.float() + 0.3 * torch.randn(size, size, generator=gen)
        imgs.append(img[None])
        masks.append(m)
    return torch.stack(imgs), torch.stack(masks)


def dice(pred, target):
    inter = ((pred == 1) & (target == 1)).sum().float()
    return (2 * inter / ((pred == 1).sum() + (target == 1).sum()).clamp(min=1)).item()


def main():
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(1)
    image_size = 30
    model = SmallUNet()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for step in range(8):
        x, y = make_batch(4, image_size, gen)
        logits = model(x)
        loss = F.cross_entropy(logits, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        print(f"step {step} loss {loss.item():.4f}")
    x, y = make_batch(4, image_size, gen)
    with torch.no_grad():
        pred = model(x).argmax(1)
    print("dice", dice(pred, y))


if __name__ == "__main__":
    main()
