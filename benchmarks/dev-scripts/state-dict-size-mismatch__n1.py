"""Fine-tune a 'pretrained' 10-class CNN checkpoint on a new 4-class task."""
import io

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class SmallCNN(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
        )
        self.classifier = nn.Linear(32, num_classes)

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


# --- "pretrained" checkpoint, produced elsewhere (10 classes) ---
pretrained = SmallCNN(num_classes=10)
blob = io.BytesIO()
torch.save({"state_dict": pretrained.state_dict(), "num_classes": 10}, blob)
blob.seek(0)

# --- fine-tuning script ---
NEW_CLASSES = 4
ckpt = torch.load(blob, weights_only=True)
model = SmallCNN(num_classes=NEW_CLASSES)
model.load_state_dict(ckpt["state_dict"], strict=False)

for p in model.features.parameters():
    p.requires_grad_(False)
opt = torch.optim.Adam(model.classifier.parameters(), lr=5e-2)

images = torch.randn(64, 3, 16, 16)
labels = torch.arange(64) % NEW_CLASSES
images += labels.view(-1, 1, 1, 1).float() * 0.8  # class-dependent brightness

losses = []
model.train()
for step in range(40):
    logits = model(images)
    loss = F.cross_entropy(logits, labels)
    opt.zero_grad()
    loss.backward()
    opt.step()
    losses.append(loss.item())

conv_same = torch.equal(model.features[0].weight, pretrained.features[0].weight)
assert conv_same, "backbone weights must come from the checkpoint"
assert logits.shape == (64, NEW_CLASSES)
assert losses[-1] < losses[0]
print(f"RESULT loss_first={losses[0]:.4f} loss_last={losses[-1]:.4f} backbone_loaded={conv_same}")
