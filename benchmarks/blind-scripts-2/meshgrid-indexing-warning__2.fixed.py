import torch


def make_anchors(feat_h, feat_w, stride, sizes=(16, 32), ratios=(0.5, 1.0, 2.0)):
    """Anchor boxes (x1, y1, x2, y2) centred on every cell of a feature map."""
    shifts_y = (torch.arange(feat_h, dtype=torch.float32) + 0.5) * stride
    shifts_x = (torch.arange(feat_w, dtype=torch.float32) + 0.5) * stride
    cy, cx = torch.meshgrid(shifts_y, shifts_x, indexing="ij")
    centers = torch.stack([cx.reshape(-1), cy.reshape(-1)], dim=1)

    base = []
    for s in sizes:
        for r in ratios:
            w = s / r ** 0.5
            h = s * r ** 0.5
            base.append([-w / 2, -h / 2, w / 2, h / 2])
    base = torch.tensor(base)
    anchors = centers.repeat(1, 2)[:, None, :] + base[None, :, :]
    return anchors.reshape(-1, 4)


def box_iou(a, b):
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    lt = torch.max(a[:, None, :2], b[None, :, :2])
    rb = torch.min(a[:, None, 2:], b[None, :, 2:])
    inter = (rb - lt).clamp(min=0).prod(-1)
    return inter / (area_a[:, None] + area_b[None, :] - inter)


anchors = make_anchors(feat_h=6, feat_w=8, stride=8)
gt_boxes = torch.tensor([[10.0, 4.0, 40.0, 30.0], [30.0, 20.0, 60.0, 44.0]])
iou = box_iou(anchors, gt_boxes)
best_iou, best_gt = iou.max(1)
positives = (best_iou > 0.5).sum().item()
print(f"{anchors.shape[0]} anchors, {positives} positives")
assert anchors.shape == (6 * 8 * 6, 4)
assert torch.allclose(anchors[6, :2] + anchors[6, 2:], torch.tensor([3 * 8.0, 8.0]))
assert positives > 0
print(f"RESULT {anchors.shape[0]} anchors, {positives} positives")
