"""House-price regression: the model's [N, 1] output compared with [N] targets."""
import torch
import torch.nn as nn

torch.manual_seed(0)

X = torch.randn(128, 5)
price = X @ torch.tensor([3.0, -1.0, 2.0, 0.5, 0.0]) + 4.0

model = nn.Sequential(nn.Linear(5, 32), nn.ReLU(), nn.Linear(32, 1))
criterion = nn.MSELoss()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)

for epoch in range(200):
    opt.zero_grad()
    pred = model(X)
    loss = criterion(pred.squeeze(1), price)
    loss.backward()
    opt.step()

with torch.no_grad():
    final_mse = ((model(X).squeeze(1) - price) ** 2).mean().item()
assert pred.shape == (128, 1)
assert final_mse < 1.0, final_mse
print(f"RESULT mse={final_mse:.4f}")
