import io
import torch
import torch.nn as nn
import torch.distributed as dist
from torch.utils.data import DataLoader, TensorDataset


def get_rank():
    if dist.is_available():
        return dist.get_rank()
    return 0


def get_world_size():
    if dist.is_available():
        return dist.get_world_size()
    return 1


def is_main_process():
    return get_rank() == 0


class Regressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1))

    def forward(self, x):
        return self.net(x)


def make_checkpoint():
    torch.manual_seed(0)
    model = Regressor()
    buf = io.BytesIO()
    torch.save({"model": model.state_dict(), "epoch": 12}, buf)
    buf.seek(0)
    return buf


@torch.no_grad()
def evaluate(model, loader):
    model.eval()
    sq_err = torch.zeros(())
    count = torch.zeros(())
    for xb, yb in loader:
        pred = model(xb)
        sq_err += ((pred - yb) ** 2).sum()
        count += yb.numel()
    if get_world_size() > 1:
        dist.all_reduce(sq_err)
        dist.all_reduce(count)
    return (sq_err / count).item()


def main():
    torch.manual_seed(1)
    x = torch.randn(128, 8)
    y = x.sum(dim=1, keepdim=True) * 0.3
    loader = DataLoader(TensorDataset(x, y), batch_size=32)

    ckpt = torch.load(make_checkpoint(), map_location="cpu")
    model = Regressor()
    missing = model.load_state_dict(ckpt["model"])
    assert not missing.missing_keys and not missing.unexpected_keys

    rank = get_rank()
    mse = evaluate(model, loader)
    if is_main_process():
        print(f"[rank {rank}] checkpoint epoch {ckpt['epoch']} eval mse {mse:.4f}")
    assert torch.isfinite(torch.tensor(mse))
    assert torch.equal(model.net[0].weight, ckpt["model"]["net.0.weight"])
    print(f"RESULT mse={mse:.4f} rank={rank}")


if __name__ == "__main__":
    main()
