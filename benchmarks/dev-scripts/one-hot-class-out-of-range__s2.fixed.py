# Semantic segmentation with a Dice loss; label maps use 255 for "unlabelled" border pixels.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import Dataset, DataLoader

N_CLASSES = 4
IGNORE = 255


class BlobMasks(Dataset):
    def __init__(self, n=16, size=24):
        rng = np.random.default_rng(3)
        self.samples = []
        for _ in range(n):
            mask = rng.integers(0, N_CLASSES, size=(size // 4, size // 4)).repeat(4, 0).repeat(4, 1)
            mask[0, :] = mask[-1, :] = mask[:, 0] = mask[:, -1] = IGNORE
            img = np.stack([(mask == c).astype(np.float32) for c in range(3)]) + rng.normal(0, 0.2, (3, size, size))
            self.samples.append((img.astype(np.float32), mask.astype(np.int64)))

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, i):
        img, mask = self.samples[i]
        return torch.from_numpy(img), torch.from_numpy(mask)


def dice_loss(logits, target, eps=1.0):
    valid = (target != IGNORE).unsqueeze(1).float()
    probs = logits.softmax(1) * valid
    onehot = F.one_hot(target.masked_fill(target == IGNORE, 0), N_CLASSES).permute(0, 3, 1, 2).float() * valid
    inter = (probs * onehot).sum((0, 2, 3))
    union = probs.sum((0, 2, 3)) + onehot.sum((0, 2, 3))
    return 1 - ((2 * inter + eps) / (union + eps)).mean()


torch.manual_seed(0)
net = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.Conv2d(16, N_CLASSES, 1))
opt = torch.optim.Adam(net.parameters(), lr=1e-2)
loader = DataLoader(BlobMasks(), batch_size=4, shuffle=True)
for epoch in range(8):
    for img, mask in loader:
        loss = dice_loss(net(img), mask)
        opt.zero_grad()
        loss.backward()
        opt.step()
    print(f"epoch {epoch} dice loss {loss.item():.4f}")

assert net(img).shape == (img.shape[0], N_CLASSES, 24, 24)
assert 0.0 <= loss.item() < 0.5
print(f"RESULT dice_loss={loss.item():.4f}")
