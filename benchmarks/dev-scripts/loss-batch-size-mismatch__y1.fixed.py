"""LeNet-style classifier on synthetic 3x32x32 images."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import Dataset, DataLoader

torch.manual_seed(0)


class ShapesDataset(Dataset):
    def __init__(self, n=96, num_classes=3, image_size=52):
        self.labels = torch.randint(0, num_classes, (n,))
        self.images = torch.randn(n, 3, image_size, image_size) * 0.3
        for i, c in enumerate(self.labels.tolist()):
            self.images[i, c] += 1.0

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, idx):
        return self.images[idx], self.labels[idx]


class LeNet(nn.Module):
    def __init__(self, num_classes=3):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 64)
        self.fc2 = nn.Linear(64, num_classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.adaptive_avg_pool2d(x, (5, 5))
        x = x.flatten(1)
        x = F.relu(self.fc1(x))
        return self.fc2(x)


def train(model, loader, epochs=3):
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    criterion = nn.CrossEntropyLoss()
    history = []
    for epoch in range(epochs):
        model.train()
        running = 0.0
        for images, labels in loader:
            outputs = model(images)
            loss = criterion(outputs, labels)
            opt.zero_grad()
            loss.backward()
            opt.step()
            running += loss.item()
        history.append(running / len(loader))
        print(f"[epoch {epoch + 1}] loss: {history[-1]:.4f}")
    return history


def main():
    loader = DataLoader(ShapesDataset(), batch_size=8, shuffle=True)
    model = LeNet()
    history = train(model, loader)
    model.eval()
    with torch.no_grad():
        out = model(torch.randn(5, 3, 52, 52))
    return history, out


if __name__ == "__main__":
    history, out = main()
    assert out.shape == (5, 3)
    assert all(torch.isfinite(torch.tensor(history)))
    print(f"RESULT ok final_loss={history[-1]:.4f}")
