"""Classify noisy sine vs. square waves with a GRU encoder."""
import math

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

torch.manual_seed(0)


class Waves(Dataset):
    def __init__(self, n=200, length=40):
        self.x, self.y = [], []
        t = torch.linspace(0, 4 * math.pi, length)
        for i in range(n):
            freq = 0.5 + torch.rand(1).item()
            wave = torch.sin(freq * t)
            label = i % 2
            if label:
                wave = torch.sign(wave)
            self.x.append((wave + 0.1 * torch.randn(length)).unsqueeze(-1))
            self.y.append(label)

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.x[i], self.y[i]


class WaveClassifier(nn.Module):
    def __init__(self, hidden=24, layers=2):
        super().__init__()
        self.encoder = nn.GRU(1, hidden, num_layers=layers, batch_first=True)
        self.classifier = nn.Linear(hidden, 2)

    def forward(self, x):
        _, h_n = self.encoder(x)  # GRU returns (output, h_n); h_n is (layers, batch, hidden)
        last = h_n[-1]  # top layer's final hidden state
        return self.classifier(last)


loader = DataLoader(Waves(), batch_size=20, shuffle=True)
model = WaveClassifier()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for epoch in range(8):
    correct = 0
    for xb, yb in loader:
        out = model(xb)
        loss = nn.functional.cross_entropy(out, yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        correct += (out.argmax(1) == yb).sum().item()
    print(f"epoch {epoch} acc {correct / len(loader.dataset):.2f}")
acc = correct / len(loader.dataset)
assert out.shape == (20, 2) and acc > 0.9, acc
print(f"RESULT acc={acc:.2f}")
