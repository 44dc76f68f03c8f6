"""Post-processing for a toy single-class detector: score filtering, NMS-free top box per image."""
import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(0)
np.random.seed(0)

GRID = 4                 # 4x4 anchors per image
IMG = 32
SCORE_THRESH = 0.6


class ToyDetector(nn.Module):
    """Predicts per-anchor objectness and box offsets from a 32x32 grayscale image."""

    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(GRID),
        )
        self.obj = nn.Conv2d(16, 1, 1)
        self.reg = nn.Conv2d(16, 4, 1)

    def forward(self, x):
        f = self.backbone(x)
        scores = torch.sigmoid(self.obj(f)).flatten(1)              # [B, GRID*GRID]
        boxes = self.reg(f).flatten(2).transpose(1, 2)              # [B, GRID*GRID, 4]
        return scores, boxes


def anchor_centres():
    step = IMG / GRID
    c = (torch.arange(GRID) + 0.5) * step
    cy, cx = torch.meshgrid(c, c, indexing="ij")
    return torch.stack([cx.flatten(), cy.flatten()], dim=1)        # [GRID*GRID, 2]


def decode(boxes, centres):
    xy = centres + boxes[:, :2] * 4.0
    wh = torch.exp(boxes[:, 2:].clamp(max=2.0)) * 8.0
    return torch.cat([xy - wh / 2, xy + wh / 2], dim=1)


model = ToyDetector().eval()
with torch.no_grad():
    model.obj.bias.fill_(0.0)
images = torch.zeros(6, 1, IMG, IMG)
images[0, :, 4:12, 4:12] = 3.0
images[2, :, 18:30, 10:22] = 3.0
images[4, :, 2:10, 20:28] = 3.0

with torch.no_grad():
    scores, raw_boxes = model(images)
    # calibrate: make bright images confident, blank ones not (stand-in for a trained head)
    scores = torch.where(images.flatten(1).amax(1, keepdim=True) > 0, scores + 0.3, scores - 0.3).clamp(0, 1)

centres = anchor_centres()
results = []
for i in range(len(images)):
    keep = scores[i] > SCORE_THRESH
    kept_scores = scores[i][keep]
    kept_boxes = decode(raw_boxes[i][keep], centres[keep])
    if kept_scores.numel() == 0:
        results.append(None)
        continue
    order = kept_scores.argsort(descending=True)
    best = order[0]
    results.append((kept_scores[best].item(), kept_boxes[best].tolist()))

n_found = sum(r is not None for r in results)
for i, r in enumerate(results):
    print(i, "no detection" if r is None else f"score={r[0]:.3f} box={[round(v, 1) for v in r[1]]}")
assert len(results) == len(images)
assert n_found == 3, n_found
assert all(r is None for r in results[1::2])
print(f"RESULT images={len(images)} detections={n_found} best_score={max(r[0] for r in results if r):.3f}")
