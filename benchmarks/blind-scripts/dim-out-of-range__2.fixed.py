import torch
from torch import nn

torch.manual_seed(3)
N_SERIES, LENGTH = 32, 48

# per-series z-normalization before a small 1D CNN
data = torch.randn(N_SERIES, LENGTH).cumsum(-1)
labels = (data[:, -1] > data[:, 0]).long()


def znorm(x):
    mu = x.mean(dim=2, keepdim=True)
    sd = x.std(dim=2, keepdim=True) + 1e-6
    return (x - mu) / sd


net = nn.Sequential(
    nn.Conv1d(1, 8, 5), nn.ReLU(), nn.AdaptiveAvgPool1d(1), nn.Flatten(), nn.Linear(8, 2)
)
opt = torch.optim.Adam(net.parameters(), lr=1e-2)
x = znorm(data.unsqueeze(1))
for epoch in range(15):
    opt.zero_grad()
    out = net(x)
    loss = nn.functional.cross_entropy(out, labels)
    loss.backward()
    opt.step()
assert out.shape == (N_SERIES, 2)
assert torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")
