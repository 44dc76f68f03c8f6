"""Image-like pipeline: augmentations configured in main(), loaded with worker processes (spawn)."""
import torch
from torch.utils.data import Dataset, DataLoader


class NoisyImages(Dataset):
    def __init__(self, n, transform=None):
        g = torch.Generator().manual_seed(0)
        self.images = torch.rand(n, 3, 16, 16, generator=g)
        self.labels = torch.randint(0, 10, (n,), generator=g)
        self.transform = transform

    def __len__(self):
        return len(self.images)

    def __getitem__(self, idx):
        img = self.images[idx]
        if self.transform is not None:
            img = self.transform(img)
        return img, self.labels[idx]


def main():
    torch.manual_seed(0)
    mean, std = 0.5, 0.25
    normalize = lambda img: (img - mean) / std
    ds = NoisyImages(64, transform=normalize)
    loader = DataLoader(
        ds, batch_size=16, shuffle=False, num_workers=2,
        multiprocessing_context="spawn", timeout=30,
    )
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3 * 16 * 16, 10))
    seen = 0
    for imgs, labels in loader:
        logits = model(imgs)
        seen += len(labels)
    print("processed", seen, "images; last logits", tuple(logits.shape))


if __name__ == "__main__":
    main()
