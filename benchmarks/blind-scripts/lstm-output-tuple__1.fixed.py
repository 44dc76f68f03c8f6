"""LSTM placed inside nn.Sequential in front of a Linear layer."""
import torch
import torch.nn as nn

torch.manual_seed(0)


class LastStep(nn.Module):
    def forward(self, lstm_result):
        out, _ = lstm_result
        return out[:, -1]


model = nn.Sequential(
    nn.LSTM(3, 16, batch_first=True),
    LastStep(),
    nn.Linear(16, 1),
)
series = torch.randn(20, 15, 3)
target = series[:, -1, :1]
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for epoch in range(10):
    opt.zero_grad()
    loss = nn.functional.mse_loss(model(series), target)
    loss.backward()
    opt.step()
assert torch.isfinite(loss)
print(f"RESULT mse={loss.item():.4f}")
