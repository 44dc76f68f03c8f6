"""A two-level UNet for semantic segmentation of synthetic shapes.

Masks are class indices of shape [N, H, W] (long), which is what
CrossEntropyLoss expects next to logits of shape [N, C, H, W]. Padding=1
convolutions keep the skip connections the same size as the upsampled maps.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

NUM_CLASSES = 3     # background, square, disc


def shapes_batch(n: int, size: int, generator: torch.Generator):
    """Images with one square and one disc; returns (images [N,1,H,W], masks [N,H,W])."""
    images = 0.1 * torch.randn(n, 1, size, size, generator=generator)
    masks = torch.zeros(n, size, size, dtype=torch.long)
    yy, xx = torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij")
    for i in range(n):
        top, left = torch.randint(0, size // 2, (2,), generator=generator).tolist()
        masks[i, top:top + 5, left:left + 5] = 1
        cy, cx = torch.randint(size // 2, size - 3, (2,), generator=generator).tolist()
        masks[i][(yy - cy) ** 2 + (xx - cx) ** 2 <= 6] = 2
    images[:, 0] += masks.float() * 0.5
    return images, masks


class DoubleConv(nn.Sequential):
    def __init__(self, in_ch: int, out_ch: int) -> None:
        super().__init__(
            nn.Conv2d(in_ch, out_ch, 3, padding=1, bias=False), nn.BatchNorm2d(out_ch), nn.ReLU(inplace=True),
            nn.Conv2d(out_ch, out_ch, 3, padding=1, bias=False), nn.BatchNorm2d(out_ch), nn.ReLU(inplace=True),
        )


class UNet(nn.Module):
    def __init__(self, in_ch: int = 1, num_classes: int = NUM_CLASSES, base: int = 8) -> None:
        super().__init__()
        self.enc1 = DoubleConv(in_ch, base)
        self.enc2 = DoubleConv(base, base * 2)
        self.bottleneck = DoubleConv(base * 2, base * 4)
        self.up2 = nn.ConvTranspose2d(base * 4, base * 2, kernel_size=2, stride=2)
        self.dec2 = DoubleConv(base * 4, base * 2)
        self.up1 = nn.ConvTranspose2d(base * 2, base, kernel_size=2, stride=2)
        self.dec1 = DoubleConv(base * 2, base)
        self.head = nn.Conv2d(base, num_classes, kernel_size=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        e1 = self.enc1(x)
        e2 = self.enc2(F.max_pool2d(e1, 2))
        b = self.bottleneck(F.max_pool2d(e2, 2))
        d2 = self.dec2(torch.cat([self.up2(b), e2], dim=1))
        d1 = self.dec1(torch.cat([self.up1(d2), e1], dim=1))
        return self.head(d1)


def dice_per_class(logits: torch.Tensor, masks: torch.Tensor, num_classes: int) -> torch.Tensor:
    """Soft Dice between softmax probabilities and one-hot masks, one value per class."""
    probs = logits.softmax(dim=1)
    one_hot = F.one_hot(masks, num_classes).permute(0, 3, 1, 2).to(probs.dtype)
    inter = (probs * one_hot).sum(dim=(0, 2, 3))
    union = probs.sum(dim=(0, 2, 3)) + one_hot.sum(dim=(0, 2, 3))
    return (2 * inter + 1e-6) / (union + 1e-6)


@torch.no_grad()
def tiled_predict(model: nn.Module, image: torch.Tensor, tile: int, stride: int) -> torch.Tensor:
    """Segments a [1, C, H, W] image larger than the training crops by averaging overlapping tiles.

    Tile corners always include the last possible position so the right and
    bottom edges are covered even when (H - tile) is not a multiple of stride.
    """
    model.eval()
    _, _, height, width = image.shape
    scores = torch.zeros(1, NUM_CLASSES, height, width)
    counts = torch.zeros(1, 1, height, width)
    rows = sorted(set(range(0, height - tile, stride)) | {height - tile})
    cols = sorted(set(range(0, width - tile, stride)) | {width - tile})
    for top in rows:
        for left in cols:
            window = image[:, :, top:top + tile, left:left + tile]
            scores[:, :, top:top + tile, left:left + tile] += model(window).softmax(dim=1)
            counts[:, :, top:top + tile, left:left + tile] += 1
    return (scores / counts).argmax(dim=1)                   # (1, H, W)


def main() -> None:
    torch.manual_seed(8)
    generator = torch.Generator().manual_seed(8)
    model = UNet()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    class_weights = torch.tensor([0.2, 1.0, 1.0])
    criterion = nn.CrossEntropyLoss(weight=class_weights)

    for step in range(15):
        model.train()
        images, masks = shapes_batch(8, 24, generator)
        logits = model(images)
        loss = criterion(logits, masks) + (1 - dice_per_class(logits, masks, NUM_CLASSES)[1:].mean())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % 5 == 0:
            print(f"step {step}: loss {loss.item():.3f}")

    model.eval()
    images, masks = shapes_batch(4, 24, generator)
    with torch.no_grad():
        logits = model(images)
    predicted = logits.argmax(dim=1)
    pixel_acc = (predicted == masks).float().mean().item()
    dice = dice_per_class(logits, masks, NUM_CLASSES)
    print(f"pixel accuracy {pixel_acc:.2f}, dice per class {[round(d, 2) for d in dice.tolist()]}")

    large, large_mask = shapes_batch(1, 40, generator)
    tiled = tiled_predict(model, large, tile=24, stride=12)
    assert tiled.shape == large_mask.shape
    print(f"tiled 40x40 prediction, pixel accuracy {(tiled == large_mask).float().mean().item():.2f}")


if __name__ == "__main__":
    main()
