# Converted from a notebook: the training code runs under the main guard so spawn workers stay safe.
import torch
import torch.multiprocessing as mp
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader


class PatchDataset(Dataset):
    """Random 8x8 patches labelled by whether their mean brightness is above 0.5."""

    def __init__(self, n=40):
        g = torch.Generator().manual_seed(1)
        self.patches = torch.rand(n, 1, 8, 8, generator=g)
        self.labels = (self.patches.mean(dim=(1, 2, 3)) > 0.5).long()

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return self.patches[i], self.labels[i]


if __name__ == "__main__":
    mp.set_start_method("spawn", force=True)
    torch.manual_seed(0)

    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 36, 2))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    loader = DataLoader(PatchDataset(), batch_size=10, shuffle=True, num_workers=2,
                        persistent_workers=True, timeout=30)

    for epoch in range(2):
        correct = 0
        for patches, labels in loader:
            logits = model(patches)
            loss = nn.functional.cross_entropy(logits, labels)
            opt.zero_grad()
            loss.backward()
            opt.step()
            correct += (logits.argmax(1) == labels).sum().item()
        print(f"epoch {epoch}: acc {correct / len(loader.dataset):.2f}")
    assert len(loader.dataset) == 40 and 0 <= correct <= 40 and torch.isfinite(loss)
    print(f"RESULT acc={correct / 40:.2f}")
