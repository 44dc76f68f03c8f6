"""Fine-tune a 'pretrained' CNN (10 classes) on a new 3-class task."""
import io
import torch
import torch.nn as nn

torch.manual_seed(0)


class SmallCNN(nn.Module):
    def __init__(self, num_classes):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
        )
        self.classifier = nn.Linear(16, num_classes)

    def forward(self, x):
        return self.classifier(self.features(x).flatten(1))


def pretrain_and_save():
    model = SmallCNN(num_classes=10)
    buf = io.BytesIO()
    torch.save({"model": model.state_dict(), "epoch": 30}, buf)
    buf.seek(0)
    return buf


def build_finetune_model(ckpt_buf, num_classes):
    model = SmallCNN(num_classes)
    ckpt = torch.load(ckpt_buf, weights_only=True)
    # strict=False so the new head is allowed to differ
    missing, unexpected = model.load_state_dict(ckpt["model"], strict=False)
    print("missing:", missing, "unexpected:", unexpected)
    return model


ckpt = pretrain_and_save()
model = build_finetune_model(ckpt, num_classes=3)
for p in model.features.parameters():
    p.requires_grad_(False)
opt = torch.optim.SGD(model.classifier.parameters(), lr=0.1)
x = torch.randn(24, 1, 16, 16)
y = torch.randint(0, 3, (24,))
for step in range(10):
    loss = nn.functional.cross_entropy(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
print("finetune loss", loss.item())
