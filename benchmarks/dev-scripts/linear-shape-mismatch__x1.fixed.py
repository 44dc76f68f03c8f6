"""Small CNN for 28x28 digit-like images; evaluation on a held-out split."""
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

CONFIG = {"image_size": 28, "channels": [1, 8, 16, 32], "n_classes": 10, "batch_size": 32, "epochs": 2}


class SmallCNN(nn.Module):
    def __init__(self, image_size, channels, n_classes):
        super().__init__()
        convs = []
        for cin, cout in zip(channels[:-1], channels[1:]):
            convs += [nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
        self.features = nn.Sequential(*convs)
        n_pools = len(channels) - 1
        spatial = image_size // (2 ** n_pools)
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(channels[-1] * spatial * spatial, 64),
            nn.ReLU(),
            nn.Linear(64, n_classes),
        )

    def forward(self, x):
        return self.classifier(self.features(x))


def fake_digits(n, size, n_classes, seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, n_classes, n)
    x = rng.random((n, 1, size, size)).astype(np.float32) * 0.3
    for i, c in enumerate(y):
        x[i, 0, 2 + c * 2: 4 + c * 2, 4:24] += 1.0
    return torch.from_numpy(x), torch.from_numpy(y).long()


def main():
    torch.manual_seed(0)
    xtr, ytr = fake_digits(256, CONFIG["image_size"], CONFIG["n_classes"], seed=0)
    xte, yte = fake_digits(64, CONFIG["image_size"], CONFIG["n_classes"], seed=1)
    model = SmallCNN(CONFIG["image_size"], CONFIG["channels"], CONFIG["n_classes"])
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    loader = DataLoader(TensorDataset(xtr, ytr), batch_size=CONFIG["batch_size"], shuffle=True)
    for epoch in range(CONFIG["epochs"]):
        model.train()
        for xb, yb in loader:
            loss = nn.functional.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        logits = model(xte)
    acc = (logits.argmax(1) == yte).float().mean().item()
    assert logits.shape == (64, CONFIG["n_classes"])
    assert np.isfinite(loss.item())
    print(f"RESULT test_acc={acc:.3f} loss={loss.item():.4f}")


if __name__ == "__main__":
    main()
