"""Dataset returning an optional bounding box that is None for images without objects."""
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

torch.manual_seed(0)


class Detections(Dataset):
    def __init__(self, n=24):
        self.images = torch.randn(n, 3, 16, 16)
        self.has_obj = torch.rand(n) > 0.3

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        box = torch.rand(4) if self.has_obj[i] else torch.zeros(4)
        return self.images[i], box


loader = DataLoader(Detections(), batch_size=8)
regressor = nn.Sequential(nn.Flatten(), nn.Linear(3 * 16 * 16, 4))
opt = torch.optim.Adam(regressor.parameters(), lr=1e-3)
for imgs, boxes in loader:
    opt.zero_grad()
    loss = nn.functional.l1_loss(regressor(imgs), boxes)
    loss.backward()
    opt.step()
assert torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")
