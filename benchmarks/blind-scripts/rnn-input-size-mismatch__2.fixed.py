import torch
from torch import nn

torch.manual_seed(1)
N_STOCKS, DAYS, FEATURES = 30, 20, 5   # open, high, low, close, volume

prices = torch.randn(N_STOCKS, DAYS, FEATURES).cumsum(1)
next_close = prices[:, -1, 3] + torch.randn(N_STOCKS) * 0.1
calendar = torch.arange(DAYS).float().div(DAYS).expand(N_STOCKS, DAYS).unsqueeze(-1)
inputs = torch.cat([prices, calendar], dim=-1)       # adds a day-of-window feature

gru = nn.GRU(input_size=FEATURES + 1, hidden_size=32, num_layers=2, batch_first=True)
head = nn.Linear(32, 1)
opt = torch.optim.Adam([*gru.parameters(), *head.parameters()], lr=3e-3)


def forecast(x):
    out, _ = gru(x)
    return head(out[:, -1]).squeeze(-1)


for epoch in range(10):
    opt.zero_grad()
    pred = forecast(inputs)
    loss = nn.functional.mse_loss(pred, next_close)
    loss.backward()
    opt.step()
assert pred.shape == (N_STOCKS,) and torch.isfinite(loss)
print(f"RESULT mse={loss.item():.4f}")
