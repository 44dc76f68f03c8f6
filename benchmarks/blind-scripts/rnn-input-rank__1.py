"""Run a trained LSTM regressor on a single univariate series."""
import torch
import torch.nn as nn

torch.manual_seed(0)


class SeriesLSTM(nn.Module):
    def __init__(self, hidden=16):
        super().__init__()
        self.lstm = nn.LSTM(1, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, 1)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out[..., -1, :])


train = torch.sin(torch.linspace(0, 20, 21 * 32)).view(32, 21, 1)
model = SeriesLSTM()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for epoch in range(15):
    opt.zero_grad()
    loss = nn.functional.mse_loss(model(train[:, :20]), train[:, 20])
    loss.backward()
    opt.step()

recent = torch.sin(torch.linspace(5, 7, 20))        # the last 20 readings
with torch.no_grad():
    nxt = model(recent)
assert nxt.numel() == 1 and torch.isfinite(loss)
print(f"RESULT next={nxt.item():.3f}")
