"""Fine-tune a classifier from a pretrained encoder checkpoint (head is new, so strict=False)."""
import os
import tempfile

import torch
import torch.nn as nn


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.pool = nn.AdaptiveAvgPool2d(1)

    def forward(self, x):
        x = torch.relu(self.conv1(x))
        x = torch.relu(self.conv2(x))
        return self.pool(x).flatten(1)


class Classifier(Encoder):
    def __init__(self, n_classes):
        super().__init__()
        self.fc = nn.Linear(16, n_classes)

    def forward(self, x):
        return self.fc(super().forward(x))


def build_finetune_model(ckpt_path, n_classes):
    net = Classifier(n_classes)
    state = torch.load(ckpt_path, map_location="cpu", weights_only=True)
    net = net.load_state_dict(state, strict=False)
    net.train()
    return net


torch.manual_seed(0)
with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "encoder.pt")
    pretrained = Encoder()
    torch.save(pretrained.state_dict(), path)

    clf = build_finetune_model(path, n_classes=3)
    opt = torch.optim.SGD(clf.parameters(), lr=0.05)
    x, y = torch.randn(8, 1, 14, 14), torch.tensor([0, 1, 2, 0, 1, 2, 0, 1])
    loss = nn.functional.cross_entropy(clf(x), y)
    loss.backward()
    opt.step()
    print("fine-tune loss", loss.item())
