"""1D CNN for ECG-like beat classification (batch, channels, time)."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import Dataset, DataLoader

torch.set_num_threads(1)  # small CPU job: one intra-op thread is faster here

torch.manual_seed(0)

N_LEADS = 2
BEAT_LEN = 64
N_CLASSES = 3


class BeatDataset(Dataset):
    def __init__(self, n=240, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.labels = torch.randint(0, N_CLASSES, (n,), generator=g)
        t = torch.linspace(0, 1, BEAT_LEN)
        freqs = (self.labels.float() + 1.0)[:, None, None] * 3.0
        base = torch.sin(2 * torch.pi * freqs * t)                     # [n, 1, L]
        self.signals = base.repeat(1, N_LEADS, 1) + 0.3 * torch.randn(n, N_LEADS, BEAT_LEN, generator=g)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return self.signals[i], self.labels[i]


def conv_block(c_in, c_out):
    return nn.Sequential(
        nn.Conv1d(c_in, c_out, kernel_size=5, padding=2),
        nn.BatchNorm1d(c_out),
        nn.ReLU(),
        nn.MaxPool1d(2),
    )


class BeatNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(conv_block(N_LEADS, 16), conv_block(16, 32))
        self.classifier = nn.Linear(32, N_CLASSES)

    def forward(self, x):
        h = self.features(x)            # [B, 32, L/4]
        return self.classifier(h.mean(dim=-1))


def accuracy(model, loader):
    model.eval()
    correct = 0
    with torch.no_grad():
        for x, y in loader:
            correct += (model(x).argmax(1) == y).sum().item()
    model.train()
    return correct / len(loader.dataset)


train = DataLoader(BeatDataset(seed=0), batch_size=24, shuffle=True,
                   generator=torch.Generator().manual_seed(0))
test = DataLoader(BeatDataset(n=90, seed=1), batch_size=30)
model = BeatNet()
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)

for epoch in range(5):
    for x, y in train:
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    print(f"epoch {epoch} loss {loss.item():.4f}")

acc = accuracy(model, test)
assert torch.isfinite(loss)
assert acc > 0.8, acc
print(f"RESULT test_acc={acc:.3f} last_loss={loss.item():.4f}")
