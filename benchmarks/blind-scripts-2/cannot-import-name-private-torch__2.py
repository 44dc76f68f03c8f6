import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader

np.random.seed(0)
torch.manual_seed(0)


class SpectrogramClips(Dataset):
    """Returns numpy spectrogram patches plus a metadata dict, like an audio pipeline would."""

    def __init__(self, n=40, n_mels=16, frames=20):
        rng = np.random.default_rng(0)
        self.specs = rng.standard_normal((n, n_mels, frames)).astype(np.float32)
        self.labels = rng.integers(0, 3, size=n)

    def __len__(self):
        return len(self.specs)

    def __getitem__(self, i):
        return self.specs[i], np.int64(self.labels[i]), {"clip_id": f"clip{i:03d}"}


def numpy_collate(batch):
    from torch.utils.data.dataloader import numpy_type_map
    specs, labels, metas = zip(*batch)
    spec_t = torch.stack([numpy_type_map[s.dtype.name](s) for s in specs])
    label_t = torch.LongTensor(np.array(labels))
    return spec_t, label_t, [m["clip_id"] for m in metas]


class SpecCNN(nn.Module):
    def __init__(self, n_classes=3):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv1d(16, 32, 3, padding=1), nn.ReLU(), nn.AdaptiveMaxPool1d(1), nn.Flatten(),
            nn.Linear(32, n_classes),
        )

    def forward(self, x):
        return self.net(x)


loader = DataLoader(SpectrogramClips(), batch_size=8, shuffle=True, collate_fn=numpy_collate)
model = SpecCNN()
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
for epoch in range(2):
    for spec, label, ids in loader:
        loss = nn.functional.cross_entropy(model(spec), label)
        opt.zero_grad()
        loss.backward()
        opt.step()
    print(f"epoch {epoch} loss {loss.item():.4f} last clip {ids[-1]}")
