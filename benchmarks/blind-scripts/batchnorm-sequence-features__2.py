import torch
from torch import nn

torch.manual_seed(11)
# multivariate series forecaster: window of 30 steps, 7 channels, predict next step
series = torch.cumsum(torch.randn(600, 7), dim=0) / 10
windows = series.unfold(0, 31, 5).permute(0, 2, 1)      # [n, 31, 7]
inputs, nxt = windows[:, :30], windows[:, 30]


class Forecaster(nn.Module):
    def __init__(self, channels=7, hidden=24):
        super().__init__()
        self.proj = nn.Linear(channels, hidden)
        self.bn = nn.BatchNorm1d(hidden)
        self.head = nn.Linear(hidden, channels)

    def forward(self, x):                    # x: [batch, time, channels]
        h = torch.relu(self.bn(self.proj(x)))
        return self.head(h[:, -1])


model = Forecaster()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for epoch in range(15):
    opt.zero_grad()
    pred = model(inputs)
    loss = nn.functional.mse_loss(pred, nxt)
    loss.backward()
    opt.step()

assert pred.shape == nxt.shape
assert torch.isfinite(loss)
print(f"RESULT mse={loss.item():.4f}")
