import io
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class Classifier(nn.Module):
    def __init__(self, n_classes):
        super().__init__()
        self.backbone = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )
        self.head = nn.Linear(16, n_classes)

    def forward(self, x):
        return self.head(self.backbone(x))


def pretrain(n_classes=10, steps=5):
    model = Classifier(n_classes)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(steps):
        x = torch.randn(16, 1, 12, 12)
        y = torch.randint(0, n_classes, (16,))
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    buf = io.BytesIO()
    torch.save({"model": model.state_dict(), "n_classes": n_classes}, buf)
    buf.seek(0)
    return buf


def finetune(ckpt_buf, n_new_classes=3, steps=10, freeze_backbone=True):
    ckpt = torch.load(ckpt_buf, weights_only=True)
    model = Classifier(n_new_classes)
    missing, unexpected = model.load_state_dict(ckpt["model"], strict=False)
    print("missing:", missing, "unexpected:", unexpected)
    if freeze_backbone:
        for p in model.backbone.parameters():
            p.requires_grad_(False)
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-2)
    g = torch.Generator().manual_seed(3)
    for step in range(steps):
        x = torch.randn(16, 1, 12, 12, generator=g)
        y = (x.mean(dim=(1, 2, 3)) > 0).long() + (x[:, 0, 0, 0] > 1).long()
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model, ckpt, loss


def main():
    ckpt_buf = pretrain()
    model, ckpt, loss = finetune(ckpt_buf)
    print(f"fine-tuned loss {loss.item():.4f}")
    print("head shape", tuple(model.head.weight.shape))


if __name__ == "__main__":
    main()
