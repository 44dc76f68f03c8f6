"""Weather-station regressor with per-feature standardisation and a spawn-based DataLoader."""
import torch
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader

torch.set_num_threads(1)  # shared CPU box

N_FEATURES = 5


class StationReadings(Dataset):
    def __init__(self, raw, targets, transform=None):
        self.raw = raw
        self.targets = targets
        self.transform = transform

    def __len__(self):
        return len(self.targets)

    def __getitem__(self, i):
        x = self.raw[i]
        if self.transform is not None:
            x = self.transform(x)
        return x, self.targets[i]


def build_dataset(n=256):
    g = torch.Generator().manual_seed(0)
    raw = torch.randn(n, N_FEATURES, generator=g) * torch.tensor([10.0, 2.0, 50.0, 1.0, 5.0]) + 20.0
    mean, std = raw.mean(0), raw.std(0)
    targets = ((raw - mean) / std) @ torch.tensor([1.0, -2.0, 0.5, 0.0, 3.0])

    def standardize(x):
        return (x - mean) / std

    return StationReadings(raw, targets.unsqueeze(1), transform=standardize)


def main():
    torch.manual_seed(0)
    ds = build_dataset()
    loader = DataLoader(ds, batch_size=32, shuffle=True, num_workers=2,
                        multiprocessing_context="spawn", persistent_workers=True,
                        generator=torch.Generator().manual_seed(0))
    model = nn.Linear(N_FEATURES, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    epoch_losses = []
    for epoch in range(4):
        total, batches = 0.0, 0
        for x, y in loader:
            loss = nn.functional.mse_loss(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item()
            batches += 1
        epoch_losses.append(total / batches)
        print(f"epoch {epoch}: mse {epoch_losses[-1]:.4f}")
    assert batches == 8
    assert epoch_losses[-1] < 0.01 * epoch_losses[0], epoch_losses
    print(f"RESULT first={epoch_losses[0]:.4f} last={epoch_losses[-1]:.6f} batches={batches}")


if __name__ == "__main__":
    main()
