"""Two-level U-Net for binary segmentation of synthetic blobs (30x30 crops)."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)  # small CPU job: one intra-op thread is faster here

torch.manual_seed(0)
CROP = 30


def double_conv(c_in, c_out):
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 3, padding=1), nn.ReLU(inplace=True),
        nn.Conv2d(c_out, c_out, 3, padding=1), nn.ReLU(inplace=True),
    )


class MiniUNet(nn.Module):
    def __init__(self, c=8):
        super().__init__()
        self.enc1 = double_conv(1, c)
        self.enc2 = double_conv(c, 2 * c)
        self.bottom = double_conv(2 * c, 4 * c)
        self.dec2 = double_conv(4 * c + 2 * c, 2 * c)
        self.dec1 = double_conv(2 * c + c, c)
        self.head = nn.Conv2d(c, 1, 1)

    @staticmethod
    def up(x, skip):
        # upsample to the skip's exact size (odd sizes: 7*2 != 15)
        return F.interpolate(x, size=skip.shape[-2:], mode="nearest")

    def forward(self, x):
        s1 = self.enc1(x)                      # [B, c, 30, 30]
        s2 = self.enc2(F.max_pool2d(s1, 2))    # [B, 2c, 15, 15]
        b = self.bottom(F.max_pool2d(s2, 2))   # [B, 4c, 7, 7]
        d2 = self.dec2(torch.cat([self.up(b, s2), s2], dim=1))
        d1 = self.dec1(torch.cat([self.up(d2, s1), s1], dim=1))
        return self.head(d1)


def make_blobs(n, gen):
    yy, xx = torch.meshgrid(torch.arange(CROP), torch.arange(CROP), indexing="ij")
    cy = torch.randint(6, CROP - 6, (n, 1, 1), generator=gen)
    cx = torch.randint(6, CROP - 6, (n, 1, 1), generator=gen)
    r = torch.randint(3, 7, (n, 1, 1), generator=gen)
    mask = ((yy - cy) ** 2 + (xx - cx) ** 2 <= r ** 2).float().unsqueeze(1)
    img = mask + 0.3 * torch.randn(mask.shape, generator=gen)
    return img, mask


gen = torch.Generator().manual_seed(0)
model = MiniUNet()
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
pos_weight = torch.tensor(4.0)  # blobs cover ~10% of the crop
losses = []
for step in range(40):
    img, mask = make_blobs(8, gen)
    logits = model(img)
    loss = F.binary_cross_entropy_with_logits(logits, mask, pos_weight=pos_weight)
    opt.zero_grad()
    loss.backward()
    opt.step()
    losses.append(loss.item())

img, mask = make_blobs(16, gen)
with torch.no_grad():
    pred = (model(img) > 0).float()
inter = (pred * mask).sum()
iou = (inter / (pred.sum() + mask.sum() - inter)).item()
print(f"loss {losses[0]:.3f} -> {losses[-1]:.3f}, IoU {iou:.3f}")
assert pred.shape == mask.shape == (16, 1, CROP, CROP)
assert losses[-1] < losses[0] and iou > 0.5, iou
print(f"RESULT first={losses[0]:.4f} last={losses[-1]:.4f} iou={iou:.3f}")
