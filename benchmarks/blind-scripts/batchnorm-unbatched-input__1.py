"""Train a house-price regressor, then price one listing."""
import torch
import torch.nn as nn

torch.manual_seed(0)
N_FEATURES = 10

model = nn.Sequential(
    nn.BatchNorm1d(N_FEATURES),
    nn.Linear(N_FEATURES, 32),
    nn.ReLU(),
    nn.Linear(32, 1),
)
X = torch.randn(256, N_FEATURES)
y = X @ torch.linspace(-1, 1, N_FEATURES) + 0.1 * torch.randn(256)
opt = torch.optim.Adam(model.parameters(), lr=1e-2)

for epoch in range(50):
    opt.zero_grad()
    loss = nn.functional.mse_loss(model(X).squeeze(1), y)
    loss.backward()
    opt.step()


def price_listing(features: torch.Tensor) -> float:
    model.eval()
    with torch.no_grad():
        return model(features).item()


listing = torch.randn(N_FEATURES)
price = price_listing(listing)
assert isinstance(price, float)
assert loss.item() < 1.0
print(f"RESULT price={price:.3f}")
