"""Small convolutional image classifier trained on synthetic 16x16 RGB images.

The images are random noise with a class-dependent colour bias, which a CNN can
learn in a few epochs; that keeps the run short while exercising the usual
pieces: a conv/BN/ReLU stack, a flattened head, train/eval modes, accuracy and
a state_dict round trip.
"""
import tempfile
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset, random_split

NUM_CLASSES = 4
IMAGE_SIZE = 16


def make_images(n: int, generator: torch.Generator) -> TensorDataset:
    """Noise images whose mean colour depends on the label."""
    labels = torch.randint(0, NUM_CLASSES, (n,), generator=generator)
    palette = torch.tensor([[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.1, 0.1, 0.8], [0.7, 0.7, 0.1]])
    base = palette[labels].view(n, 3, 1, 1)
    images = base + 0.3 * torch.randn(n, 3, IMAGE_SIZE, IMAGE_SIZE, generator=generator)
    return TensorDataset(images, labels)


def from_hwc_uint8(images: np.ndarray) -> torch.Tensor:
    """Converts a [N, H, W, 3] uint8 batch (as image files decode) to [N, 3, H, W] floats in [0, 1]."""
    if images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(f"expected [N, H, W, 3] images, got shape {images.shape}")
    tensor = torch.from_numpy(np.ascontiguousarray(images))
    return tensor.permute(0, 3, 1, 2).float().div(255.0)


def conv_block(in_ch: int, out_ch: int) -> nn.Sequential:
    """Conv without bias (BatchNorm has its own shift), then BN, ReLU, and 2x pooling."""
    return nn.Sequential(
        nn.Conv2d(in_ch, out_ch, kernel_size=3, padding=1, bias=False),
        nn.BatchNorm2d(out_ch),
        nn.ReLU(inplace=True),
        nn.MaxPool2d(2),
    )


class SmallConvNet(nn.Module):
    def __init__(self, num_classes: int = NUM_CLASSES, width: int = 8) -> None:
        super().__init__()
        self.features = nn.Sequential(
            conv_block(3, width),              # IMAGE_SIZE / 2
            conv_block(width, width * 2),      # IMAGE_SIZE / 4
            conv_block(width * 2, width * 4),  # IMAGE_SIZE / 8
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Dropout(0.2),
            nn.Linear(width * 4 * (IMAGE_SIZE // 8) ** 2, 64),
            nn.ReLU(inplace=True),
            nn.Linear(64, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


def train_epoch(model: nn.Module, loader: DataLoader, optimizer: torch.optim.Optimizer) -> float:
    model.train()
    total, count = 0.0, 0
    for images, labels in loader:
        optimizer.zero_grad()
        logits = model(images)
        loss = F.cross_entropy(logits, labels)
        loss.backward()
        optimizer.step()
        total += loss.item() * labels.size(0)
        count += labels.size(0)
    return total / count


@torch.no_grad()
def evaluate(model: nn.Module, loader: DataLoader) -> float:
    model.eval()
    correct, count = 0, 0
    for images, labels in loader:
        predictions = model(images).argmax(dim=1)
        correct += (predictions == labels).sum().item()
        count += labels.numel()
    return correct / count


def save_and_reload(model: nn.Module, directory: Path) -> nn.Module:
    """Writes the weights and loads them into a fresh instance, as inference code would."""
    path = directory / "cnn.pt"
    torch.save(model.state_dict(), path)
    restored = SmallConvNet()
    restored.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    restored.eval()
    return restored


def main() -> None:
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(0)
    dataset = make_images(320, generator)
    train_set, val_set = random_split(dataset, [256, 64], generator=generator)
    train_loader = DataLoader(train_set, batch_size=64, shuffle=True, drop_last=True)
    val_loader = DataLoader(val_set, batch_size=64)

    model = SmallConvNet()
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    for epoch in range(2):
        loss = train_epoch(model, train_loader, optimizer)
        acc = evaluate(model, val_loader)
        print(f"epoch {epoch}: train loss {loss:.3f}, val acc {acc:.2f}")

    with tempfile.TemporaryDirectory() as tmp:
        restored = save_and_reload(model, Path(tmp))
    assert evaluate(restored, val_loader) == evaluate(model, val_loader)

    sample = val_set[0][0]
    with torch.no_grad():
        probs = F.softmax(restored(sample.unsqueeze(0)), dim=1)
    print("class probabilities for one image:", [round(p, 3) for p in probs[0].tolist()])

    decoded = np.random.default_rng(0).integers(0, 256, size=(2, IMAGE_SIZE, IMAGE_SIZE, 3), dtype=np.uint8)
    with torch.no_grad():
        print("predicted classes for decoded files:", restored(from_hwc_uint8(decoded)).argmax(1).tolist())


if __name__ == "__main__":
    main()
