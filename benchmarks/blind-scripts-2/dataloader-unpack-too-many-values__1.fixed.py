"""Speaker-ID training on synthetic MFCC frames; the dataset also returns utterance ids for error analysis."""
import torch
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader

torch.manual_seed(0)


class UtteranceDataset(Dataset):
    def __init__(self, n_speakers=4, per_speaker=12, frames=20, n_mfcc=13):
        g = torch.Generator().manual_seed(0)
        centers = torch.randn(n_speakers, n_mfcc, generator=g) * 2
        self.items = []
        for spk in range(n_speakers):
            for k in range(per_speaker):
                feats = centers[spk][None, :] + torch.randn(frames, n_mfcc, generator=g)
                self.items.append((feats, spk, f"spk{spk}_utt{k:02d}"))

    def __len__(self):
        return len(self.items)

    def __getitem__(self, idx):
        feats, spk, utt_id = self.items[idx]
        return feats, torch.tensor(spk), utt_id


class StatsPoolNet(nn.Module):
    def __init__(self, n_mfcc=13, n_speakers=4):
        super().__init__()
        self.frame = nn.Sequential(nn.Linear(n_mfcc, 32), nn.ReLU())
        self.cls = nn.Linear(64, n_speakers)

    def forward(self, x):
        h = self.frame(x)
        return self.cls(torch.cat([h.mean(1), h.std(1)], dim=-1))


def train_epoch(model, loader, opt):
    model.train()
    for feats, speaker, _utt_ids in loader:
        loss = nn.functional.cross_entropy(model(feats), speaker)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return loss.item()


dataset = UtteranceDataset()
loader = DataLoader(dataset, batch_size=8, shuffle=True)
model = StatsPoolNet()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for epoch in range(3):
    last = train_epoch(model, loader, opt)
    print(f"epoch {epoch}: loss {last:.4f}")
feats, speaker, utt_ids = next(iter(loader))
assert feats.shape == (8, 20, 13) and len(utt_ids) == 8 and last == last
print(f"RESULT loss={last:.4f}")
