import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)

CFG = dict(classes=4, height=24, width=24, batch=4, steps=6, lr=3e-3)


def synth_scene(batch, h, w, classes):
    """Vertical stripes of classes, encoded one-hot like the annotation tool exports them."""
    cols = torch.arange(w) * classes // w
    label_map = cols.expand(batch, h, w).clone()
    label_map[:, : h // 3] = (label_map[:, : h // 3] + 1) % classes
    images = F.one_hot(label_map, classes).permute(0, 3, 1, 2).float()
    images = images + 0.2 * torch.randn_like(images)
    target = F.one_hot(label_map, classes).permute(0, 3, 1, 2)   # [B, C, H, W]
    return images, target


class FCN(nn.Module):
    def __init__(self, in_ch, classes):
        super().__init__()
        self.enc = nn.Sequential(nn.Conv2d(in_ch, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU())
        self.down = nn.Conv2d(32, 32, 3, stride=2, padding=1)
        self.classifier = nn.Conv2d(32, classes, 1)

    def forward(self, x):
        feats = F.relu(self.down(self.enc(x)))
        logits = self.classifier(feats)
        return F.interpolate(logits, size=x.shape[-2:], mode="bilinear", align_corners=False)


class SegTrainer:
    def __init__(self, cfg):
        self.cfg = cfg
        self.model = FCN(cfg["classes"], cfg["classes"])
        self.opt = torch.optim.AdamW(self.model.parameters(), lr=cfg["lr"])
        self.loss_fn = nn.CrossEntropyLoss()

    def step(self, images, target):
        self.model.train()
        logits = self.model(images)
        loss = self.loss_fn(logits, target)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return loss.item(), logits.detach()


trainer = SegTrainer(CFG)
images, target = synth_scene(CFG["batch"], CFG["height"], CFG["width"], CFG["classes"])
for s in range(CFG["steps"]):
    loss, logits = trainer.step(images, target)
    print(f"step {s}: ce={loss:.4f}")
