import torch
import torch.nn as nn

torch.manual_seed(5)
SEQ_LEN, N_FEAT, HORIZON = 24, 3, 6

# sequence-to-vector forecaster producing HORIZON future values per feature
class Seq2Horizon(nn.Module):
    def __init__(self, hidden=32):
        super().__init__()
        self.lstm = nn.LSTM(N_FEAT, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, HORIZON * N_FEAT)

    def forward(self, x):
        out, _ = self.lstm(x)
        flat = self.fc(out[:, -1])
        return flat.reshape(-1, N_FEAT, HORIZON)


series = torch.randn(40, SEQ_LEN + HORIZON, N_FEAT).cumsum(1)
past, future = series[:, :SEQ_LEN], series[:, SEQ_LEN:].transpose(1, 2)
model = Seq2Horizon()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for epoch in range(10):
    opt.zero_grad()
    pred = model(past)
    loss = nn.functional.l1_loss(pred, future)
    loss.backward()
    opt.step()
assert pred.shape == (40, N_FEAT, HORIZON)
assert torch.isfinite(loss)
print(f"RESULT mae={loss.item():.4f}")
