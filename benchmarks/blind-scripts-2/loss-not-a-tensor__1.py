import torch
import torch.nn as nn

torch.manual_seed(0)


class DetectionLoss(nn.Module):
    """Classification + box regression loss; also returns the parts for logging."""

    def __init__(self, box_weight=2.0):
        super().__init__()
        self.box_weight = box_weight
        self.cls = nn.CrossEntropyLoss()
        self.box = nn.SmoothL1Loss()

    def forward(self, cls_logits, box_pred, cls_target, box_target):
        l_cls = self.cls(cls_logits, cls_target)
        l_box = self.box(box_pred, box_target)
        total = l_cls + self.box_weight * l_box
        return total, {"cls": l_cls.item(), "box": l_box.item()}


class Head(nn.Module):
    def __init__(self, d=16, classes=3):
        super().__init__()
        self.trunk = nn.Sequential(nn.Linear(d, 32), nn.ReLU())
        self.cls = nn.Linear(32, classes)
        self.box = nn.Linear(32, 4)

    def forward(self, x):
        h = self.trunk(x)
        return self.cls(h), self.box(h)


model = Head()
criterion = DetectionLoss()
opt = torch.optim.SGD(model.parameters(), lr=0.05)

feats = torch.randn(40, 16)
labels = torch.arange(40) % 3
boxes = torch.rand(40, 4)

for it in range(5):
    cls_logits, box_pred = model(feats)
    loss = criterion(cls_logits, box_pred, labels, boxes)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f"iter {it}")
