import torch
from torch import nn
from torch.utils.data import Dataset, DataLoader


def make_dataset(n=48):
    class Noisy(Dataset):
        def __init__(self):
            self.x = torch.randn(n, 3)

        def __len__(self):
            return n

        def __getitem__(self, i):
            return self.x[i], self.x[i].sum()

    return Noisy()


def main():
    torch.manual_seed(2)
    loader = DataLoader(make_dataset(), batch_size=12, num_workers=1,
                        multiprocessing_context="spawn")
    model = nn.Linear(3, 1)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for x, y in loader:
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(x).squeeze(1), y)
        loss.backward()
        opt.step()
    assert torch.isfinite(loss)
    print(f"RESULT loss={loss.item():.4f}")


if __name__ == "__main__":
    main()
