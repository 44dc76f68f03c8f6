import io
import torch
import torch.nn as nn

torch.manual_seed(0)


class Regressor(nn.Module):
    def __init__(self, d_in=6, hidden=20):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(d_in, hidden), nn.Tanh(), nn.Linear(hidden, 1))

    def forward(self, x):
        return self.body(x).squeeze(-1)


def train(model, x, y, steps=100):
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(steps):
        loss = nn.functional.mse_loss(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return loss.item()


x = torch.randn(200, 6)
y = x @ torch.linspace(-1, 1, 6) + 0.05 * torch.randn(200)
trained = Regressor()
final_loss = train(trained, x, y)
print(f"train mse {final_loss:.4f}")

buffer = io.BytesIO()
torch.save(trained.state_dict(), buffer)
buffer.seek(0)

# --- serving side ---
model = Regressor()
model.load_state_dict(torch.load(buffer, weights_only=True))
with torch.no_grad():
    preds = model(x[:10])
print("predictions", preds)
with torch.no_grad():
    assert torch.allclose(preds, trained(x[:10]))
print("RESULT served model matches trained one, first pred", round(preds[0].item(), 4))
