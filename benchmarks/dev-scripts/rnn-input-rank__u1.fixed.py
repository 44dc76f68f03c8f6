import io
import math
import torch
import torch.nn as nn

torch.manual_seed(0)


class StreamingForecaster(nn.Module):
    """GRU forecaster that predicts the next reading of a univariate sensor."""

    def __init__(self, hidden=16):
        super().__init__()
        self.gru = nn.GRU(input_size=1, hidden_size=hidden, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x, h=None):
        out, h = self.gru(x, h)
        return self.head(out[:, -1]), h


def train_offline():
    t = torch.arange(0, 300, dtype=torch.float32)
    series = torch.sin(t / 8.0)
    win = 20
    xs = torch.stack([series[i:i + win] for i in range(len(series) - win)]).unsqueeze(-1)
    ys = series[win:].unsqueeze(-1)
    model = StreamingForecaster()
    opt = torch.optim.Adam(model.parameters(), lr=2e-2)
    for epoch in range(40):
        pred, _ = model(xs)
        loss = nn.functional.mse_loss(pred, ys)
        opt.zero_grad()
        loss.backward()
        opt.step()
    buf = io.BytesIO()
    torch.save(model.state_dict(), buf)
    buf.seek(0)
    return buf, loss.item()


@torch.no_grad()
def replay_stream(model, readings):
    """Feed one reading at a time, carrying the hidden state across calls."""
    model.eval()
    h = None
    preds = []
    for value in readings:
        step = torch.tensor([value], dtype=torch.float32).view(1, 1, 1)
        pred, h = model(step, h)
        preds.append(pred.item())
    return preds


def main():
    buf, train_loss = train_offline()
    model = StreamingForecaster()
    model.load_state_dict(torch.load(buf))
    t = torch.arange(300, 360, dtype=torch.float32)
    readings = torch.sin(t / 8.0).tolist()
    preds = replay_stream(model, readings)
    errors = [(p - math.sin((300 + i + 1) / 8.0)) ** 2 for i, p in enumerate(preds)]
    mse = sum(errors[10:]) / len(errors[10:])
    print(f"train loss {train_loss:.4f} streaming mse {mse:.4f}")
    assert len(preds) == len(readings)
    assert math.isfinite(mse) and mse < 0.05, mse
    print(f"RESULT stream_mse={mse:.4f}")


if __name__ == "__main__":
    main()
