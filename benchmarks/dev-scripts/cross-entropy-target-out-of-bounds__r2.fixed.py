# Semantic segmentation toy: masks use 255 for "void"/boundary pixels (VOC style).
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
rng = np.random.default_rng(0)
N_CLASSES = 4
VOID = 255


def fake_sample(h=32, w=32):
    img = rng.standard_normal((3, h, w)).astype(np.float32)
    mask = rng.integers(0, N_CLASSES, size=(h, w)).astype(np.int64)
    mask[::8, :] = VOID          # boundary rows are unlabeled
    return torch.from_numpy(img), torch.from_numpy(mask)


class TinySegNet(nn.Module):
    def __init__(self, n_classes):
        super().__init__()
        self.enc = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(),
                                 nn.Conv2d(16, 16, 3, padding=1), nn.ReLU())
        self.head = nn.Conv2d(16, n_classes, 1)

    def forward(self, x):
        return self.head(self.enc(x))


def train_step(model, opt, imgs, masks):
    logits = model(imgs)                         # (B, C, H, W)
    loss = F.cross_entropy(logits, masks, ignore_index=VOID)
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss.item()


model = TinySegNet(N_CLASSES)
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for step in range(4):
    batch = [fake_sample() for _ in range(2)]
    imgs = torch.stack([b[0] for b in batch])
    masks = torch.stack([b[1] for b in batch])
    last = train_step(model, opt, imgs, masks)
    print(f"step {step} loss {last:.4f}")

with torch.no_grad():
    out = model(imgs)
    valid = masks != VOID
    ref = F.cross_entropy(out.permute(0, 2, 3, 1)[valid], masks[valid])
    assert torch.allclose(ref, F.cross_entropy(out, masks, ignore_index=VOID))
assert out.shape == (2, N_CLASSES, 32, 32) and np.isfinite(last)
print(f"RESULT out={tuple(out.shape)} loss={last:.4f}")
