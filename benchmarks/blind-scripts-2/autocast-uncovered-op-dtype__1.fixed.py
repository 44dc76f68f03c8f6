"""Build a feature memory bank for nearest-neighbour evaluation (bf16 autocast on CPU)."""
import torch
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader

torch.manual_seed(0)


class ToyImages(Dataset):
    def __init__(self, n=96):
        g = torch.Generator().manual_seed(1)
        self.x = torch.randn(n, 3, 16, 16, generator=g)
        self.y = torch.arange(n) % 4

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return i, self.x[i], self.y[i]


class Encoder(nn.Module):
    def __init__(self, dim=32):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(),
            nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )
        self.proj = nn.Linear(32, dim)

    def forward(self, x):
        return nn.functional.normalize(self.proj(self.conv(x)), dim=1)


@torch.no_grad()
def build_bank(model, loader, n_items, dim):
    bank = torch.zeros(n_items, dim)
    labels = torch.full((n_items,), -1, dtype=torch.long)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        for idx, x, y in loader:
            feats = model(x)
            bank[idx] = feats.float()
            labels[idx] = y
    return bank, labels


def knn_accuracy(bank, labels, k=5):
    sim = bank @ bank.T
    sim.fill_diagonal_(-2.0)
    nn_idx = sim.topk(k, dim=1).indices
    votes = labels[nn_idx].mode(dim=1).values
    return (votes == labels).float().mean().item()


def main():
    ds = ToyImages()
    loader = DataLoader(ds, batch_size=32, shuffle=True)
    model = Encoder(dim=32).eval()
    bank, labels = build_bank(model, loader, len(ds), 32)
    acc = knn_accuracy(bank, labels)
    assert bank.dtype == torch.float32 and (labels >= 0).all()
    assert torch.allclose(bank.norm(dim=1), torch.ones(len(ds)), atol=2e-2)
    print(f"RESULT knn_acc={acc:.3f} bank={tuple(bank.shape)}")


if __name__ == "__main__":
    main()
