import torch
import torch.nn as nn


class NHWCClassifier(nn.Module):
    """Takes channels-last images (as produced by the camera pipeline) and classifies them."""

    def __init__(self, classes=4):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(3, 12, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(12, 24, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
        )
        self.fc = nn.Linear(24, classes)

    def forward(self, x):
        x = x.permute(0, 3, 1, 2)
        return self.fc(self.conv(x).flatten(1))


def train(model, steps=5):
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for _ in range(steps):
        imgs = torch.rand(8, 20, 20, 3)
        labels = torch.randint(0, 4, (8,))
        loss = nn.functional.cross_entropy(model(imgs), labels)
        opt.zero_grad()
        loss.backward()
        opt.step()


def classify_frame(model, frame):
    model.eval()
    with torch.no_grad():
        probs = model(frame).softmax(-1)
    return int(probs.argmax()), float(probs.max())


torch.manual_seed(0)
model = NHWCClassifier()
train(model)
frame = torch.rand(20, 20, 3)
label, conf = classify_frame(model, frame)
print(f"frame -> class {label} ({conf:.2f})")
