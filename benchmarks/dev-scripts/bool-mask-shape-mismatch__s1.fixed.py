"""Post-processing for a toy detector: keep boxes whose objectness score passes a threshold."""
import torch
import torch.nn as nn

torch.manual_seed(0)


class ToyDetector(nn.Module):
    """Predicts, for each of A anchors, a box (cx, cy, w, h) and an objectness logit."""

    def __init__(self, feat_dim=32, num_anchors=50):
        super().__init__()
        self.num_anchors = num_anchors
        self.backbone = nn.Sequential(nn.Linear(feat_dim, 64), nn.ReLU())
        self.box_head = nn.Linear(64, num_anchors * 4)
        self.obj_head = nn.Linear(64, num_anchors)

    def forward(self, feats):
        h = self.backbone(feats)
        boxes = self.box_head(h).view(-1, self.num_anchors, 4).sigmoid()
        scores = self.obj_head(h).view(-1, self.num_anchors, 1).sigmoid()
        return boxes, scores


def postprocess(boxes, scores, thresh=0.5):
    results = []
    for b, s in zip(boxes, scores):      # per image: b [A, 4], s [A, 1]
        keep = s.squeeze(-1) > thresh      # [A]
        kept_boxes = b[keep]
        results.append({"boxes": kept_boxes, "scores": s[keep]})
    return results


detector = ToyDetector().eval()
with torch.no_grad():
    boxes, scores = detector(torch.randn(3, 32))
dets = postprocess(boxes, scores)
for i, d in enumerate(dets):
    print(f"image {i}: {len(d['boxes'])} boxes kept")
    assert d["boxes"].shape == (len(d["scores"]), 4)
    assert int((scores[i] > 0.5).sum()) == len(d["boxes"])
print("RESULT kept", [len(d["boxes"]) for d in dets])
