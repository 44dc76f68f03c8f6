"""Gradient accumulation with an exponential moving average of the weights.

Each optimizer step covers several micro-batches; the loss of each is divided
by the number of micro-batches so the summed gradient equals the large-batch
mean. An EMA copy (torch.optim.swa_utils.AveragedModel) follows the weights and
is evaluated alongside the raw model; its BatchNorm statistics are recomputed
with update_bn.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn, update_bn
from torch.utils.data import DataLoader, TensorDataset


def regression_data(n: int, generator: torch.Generator) -> TensorDataset:
    x = torch.rand(n, 3, generator=generator) * 4 - 2
    y = torch.sin(x[:, 0]) + x[:, 1] * x[:, 2] + 0.05 * torch.randn(n, generator=generator)
    return TensorDataset(x, y.unsqueeze(1))            # targets (N, 1) like the model output


def make_model() -> nn.Module:
    return nn.Sequential(
        nn.Linear(3, 64), nn.BatchNorm1d(64), nn.SiLU(),
        nn.Linear(64, 64), nn.BatchNorm1d(64), nn.SiLU(),
        nn.Linear(64, 1),
    )


def train_with_accumulation(model, ema, loader, optimizer, accumulate: int) -> None:
    model.train()
    optimizer.zero_grad()
    for i, (x, y) in enumerate(loader, start=1):
        loss = F.mse_loss(model(x), y) / accumulate
        loss.backward()
        if i % accumulate == 0 or i == len(loader):
            nn.utils.clip_grad_norm_(model.parameters(), 2.0)
            optimizer.step()
            optimizer.zero_grad()
            ema.update_parameters(model)


@torch.no_grad()
def mse(model: nn.Module, loader: DataLoader) -> float:
    model.eval()
    total, count = 0.0, 0
    for x, y in loader:
        total += F.mse_loss(model(x), y, reduction="sum").item()
        count += y.numel()
    return total / count


def main() -> None:
    torch.manual_seed(21)
    generator = torch.Generator().manual_seed(21)
    train_ds, val_ds = regression_data(384, generator), regression_data(128, generator)
    train = DataLoader(train_ds, batch_size=32, shuffle=True, drop_last=True)
    val = DataLoader(val_ds, batch_size=128)

    model = make_model()
    ema = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.95))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=3)
    for epoch in range(3):
        train_with_accumulation(model, ema, train, optimizer, accumulate=4)
        scheduler.step()
        print(f"epoch {epoch}: model MSE {mse(model, val):.4f}")

    update_bn(train, ema)
    print(f"EMA MSE {mse(ema, val):.4f}")


if __name__ == "__main__":
    main()
