"""Post-process detector outputs: threshold by objectness, then clip the kept boxes."""
import torch
import torch.nn as nn

torch.manual_seed(0)


class TinyDetectorHead(nn.Module):
    def __init__(self, in_ch=16, num_anchors=3):
        super().__init__()
        self.num_anchors = num_anchors
        self.box = nn.Conv2d(in_ch, num_anchors * 4, 1)
        self.obj = nn.Conv2d(in_ch, num_anchors, 1)

    def forward(self, feat):
        n, _, h, w = feat.shape
        boxes = self.box(feat).permute(0, 2, 3, 1).reshape(n, h * w * self.num_anchors, 4)
        obj = self.obj(feat).permute(0, 2, 3, 1).reshape(n, h * w * self.num_anchors, 1)
        return boxes.sigmoid() * 64.0, obj.sigmoid()


def postprocess(boxes, objectness, thresh=0.5, img_size=64):
    results = []
    for b, o in zip(boxes, objectness):
        keep = o.squeeze(-1) > thresh
        kept = b[keep]
        kept = kept.clamp(0, img_size)
        x1 = torch.minimum(kept[:, 0], kept[:, 2])
        x2 = torch.maximum(kept[:, 0], kept[:, 2])
        y1 = torch.minimum(kept[:, 1], kept[:, 3])
        y2 = torch.maximum(kept[:, 1], kept[:, 3])
        results.append({"boxes": torch.stack([x1, y1, x2, y2], 1), "scores": o.squeeze(-1)[keep]})
    return results


head = TinyDetectorHead().eval()
features = torch.randn(2, 16, 4, 4)
with torch.no_grad():
    boxes, obj = head(features)
dets = postprocess(boxes, obj)
for i, d in enumerate(dets):
    print(f"image {i}: {len(d['boxes'])} boxes kept")
expected = [(o.squeeze(-1) > 0.5).sum().item() for o in obj]
assert [len(d["boxes"]) for d in dets] == expected and all(d["boxes"].shape[1] == 4 for d in dets)
assert all(len(d["scores"]) == len(d["boxes"]) for d in dets)
print(f"RESULT kept={expected}")
