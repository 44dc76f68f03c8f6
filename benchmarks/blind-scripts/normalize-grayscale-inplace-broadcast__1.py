"""Grayscale digits normalised in place with ImageNet statistics copied from a tutorial."""
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

torch.manual_seed(0)
MEAN = torch.tensor([0.485, 0.456, 0.406]).view(3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(3, 1, 1)


class Digits(Dataset):
    def __init__(self, n=32):
        self.images = torch.rand(n, 1, 28, 28)
        self.labels = torch.randint(0, 10, (n,))

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        img = self.images[i].clone()
        img.sub_(MEAN).div_(STD)
        return img, self.labels[i]


model = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 10))
opt = torch.optim.SGD(model.parameters(), lr=0.01)
for x, y in DataLoader(Digits(), batch_size=8):
    opt.zero_grad()
    loss = nn.functional.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
assert torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")
