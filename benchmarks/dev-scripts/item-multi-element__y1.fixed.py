"""Evaluate a multi-output regressor restored from a checkpoint and log its metrics."""
import io
import json
import torch
import torch.nn as nn

torch.manual_seed(0)
TARGETS = ["temperature", "humidity", "pressure"]


class Regressor(nn.Module):
    def __init__(self, in_dim=10, out_dim=3):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(in_dim, 32), nn.Tanh(), nn.Linear(32, out_dim))

    def forward(self, x):
        return self.net(x)


def fake_checkpoint():
    model = Regressor()
    x = torch.randn(256, 10)
    y = x[:, :3] * torch.tensor([2.0, -1.0, 0.5])
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(100):
        loss = nn.functional.mse_loss(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    buf = io.BytesIO()
    torch.save({"model": model.state_dict(), "targets": TARGETS}, buf)
    buf.seek(0)
    return buf


def evaluate(model, x, y):
    model.eval()
    with torch.no_grad():
        pred = model(x)
    err = pred - y
    mse = (err ** 2).mean(dim=0)
    mae = err.abs().mean(dim=0)
    return {"mse": mse, "mae": mae}


def main():
    ckpt = torch.load(fake_checkpoint(), weights_only=True)
    model = Regressor()
    model.load_state_dict(ckpt["model"])
    x = torch.randn(128, 10)
    y = x[:, :3] * torch.tensor([2.0, -1.0, 0.5])
    metrics = evaluate(model, x, y)
    report = {
        "mse": round(metrics["mse"].mean().item(), 5),
        "mae": round(metrics["mae"].mean().item(), 5),
        "per_target_mse": {t: round(v, 5) for t, v in zip(ckpt["targets"], metrics["mse"].tolist())},
    }
    print(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    report = main()
    assert isinstance(report["mse"], float) and report["mse"] < 1.0
    assert set(report["per_target_mse"]) == set(TARGETS)
    print(f"RESULT ok mse={report['mse']} mae={report['mae']}")
