import random
from dataclasses import asdict, dataclass

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

random.seed(3)
np.random.seed(3)
torch.manual_seed(3)

NUM_CLASSES = 4
NUM_SPEAKERS = 5
FRAMES, MELS = 20, 16


@dataclass
class UtteranceInfo:
    speaker: int
    duration: float


class UtteranceDataset(Dataset):
    def __init__(self, n=64):
        g = torch.Generator().manual_seed(3)
        self.labels = torch.randint(0, NUM_CLASSES, (n,), generator=g)
        self.feats = torch.randn(n, FRAMES, MELS, generator=g) + self.labels.view(-1, 1, 1) * 0.5
        self.meta = []
        for i in range(n):
            self.meta.append(UtteranceInfo(speaker=i % NUM_SPEAKERS, duration=FRAMES * 0.01))

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, idx):
        return {
            "feats": self.feats[idx],
            "label": self.labels[idx],
            "info": self.meta[idx],
        }


class ConvClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(MELS, 32, kernel_size=3, padding=1)
        self.out = nn.Linear(32, NUM_CLASSES)

    def forward(self, x):
        h = F.relu(self.conv(x.transpose(1, 2)))
        return self.out(h.mean(dim=2))


def main():
    ds = UtteranceDataset()
    loader = DataLoader(ds, batch_size=8, shuffle=True,
                        generator=torch.Generator().manual_seed(3))
    model = ConvClassifier()
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    per_speaker = {}
    for epoch in range(3):
        for batch in loader:
            logits = model(batch["feats"])
            loss = F.cross_entropy(logits, batch["label"])
            opt.zero_grad()
            loss.backward()
            opt.step()
            for spk, ok in zip(batch["info"]["speaker"].tolist(),
                               (logits.argmax(1) == batch["label"]).tolist()):
                per_speaker.setdefault(spk, []).append(ok)
        print(f"epoch {epoch} loss {loss.item():.4f}")

    assert torch.isfinite(loss)
    assert set(per_speaker) <= set(range(NUM_SPEAKERS))
    acc = {k: sum(v) / len(v) for k, v in sorted(per_speaker.items())}
    print("RESULT per_speaker_acc=" + ",".join(f"{k}:{a:.2f}" for k, a in acc.items()))


if __name__ == "__main__":
    main()
