import math
import torch
import torch.nn as nn

torch.manual_seed(0)

HPARAMS = dict(window=16, horizon=1, hidden=16, layers=1, epochs=12, lr=2e-2, batch=64)


def make_series(n=400):
    t = torch.arange(n, dtype=torch.float32)
    return torch.sin(2 * math.pi * t / 50) + 0.5 * torch.sin(2 * math.pi * t / 13) + 0.05 * torch.randn(n)


def windows(series, window, horizon):
    xs, ys = [], []
    for i in range(len(series) - window - horizon + 1):
        xs.append(series[i:i + window])
        ys.append(series[i + window:i + window + horizon])
    return torch.stack(xs).unsqueeze(-1), torch.stack(ys)


class LastStep(nn.Module):
    def forward(self, rnn_out):
        output, _ = rnn_out
        return output[:, -1]


def build_model(hp):
    return nn.Sequential(
        nn.LSTM(1, hp["hidden"], num_layers=hp["layers"], batch_first=True),
        LastStep(),
        nn.Linear(hp["hidden"], hp["horizon"]),
    )


def main():
    hp = HPARAMS
    series = make_series()
    split = 320
    x_tr, y_tr = windows(series[:split], hp["window"], hp["horizon"])
    x_te, y_te = windows(series[split:], hp["window"], hp["horizon"])
    model = build_model(hp)
    opt = torch.optim.Adam(model.parameters(), lr=hp["lr"])
    loss_fn = nn.MSELoss()
    for epoch in range(hp["epochs"]):
        perm = torch.randperm(x_tr.size(0))
        for i in range(0, len(perm), hp["batch"]):
            idx = perm[i:i + hp["batch"]]
            pred = model(x_tr[idx])
            loss = loss_fn(pred, y_tr[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        if epoch % 4 == 0:
            print(f"epoch {epoch} loss {loss.item():.4f}")
    with torch.no_grad():
        pred = model(x_te)
        test_mse = loss_fn(pred, y_te).item()
    assert pred.shape == y_te.shape
    assert math.isfinite(test_mse) and test_mse < 0.1, test_mse
    print(f"RESULT test_mse={test_mse:.4f}")


if __name__ == "__main__":
    main()
