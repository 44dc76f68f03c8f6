"""Two-worker loader under the spawn start method with a collate defined inline."""
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


def main():
    torch.manual_seed(0)
    data = TensorDataset(torch.randn(64, 5), torch.randint(0, 2, (64,)))
    scale = 0.5
    loader = DataLoader(
        data, batch_size=16, num_workers=2, multiprocessing_context="spawn",
        collate_fn=lambda batch: (torch.stack([b[0] for b in batch]) * scale,
                                  torch.stack([b[1] for b in batch])),
    )
    model = nn.Linear(5, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for x, y in loader:
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
    assert torch.isfinite(loss)
    print(f"RESULT loss={loss.item():.4f}")


if __name__ == "__main__":
    main()
