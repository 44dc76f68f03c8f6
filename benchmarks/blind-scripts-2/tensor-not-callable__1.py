import torch
import torch.nn as nn

torch.manual_seed(0)

# data: noisy quadratic
x = torch.linspace(-1, 1, 120).unsqueeze(1)
y = 3 * x ** 2 - 0.5 + 0.05 * torch.randn_like(x)

model = nn.Sequential(nn.Linear(1, 24), nn.ReLU(), nn.Linear(24, 1))
loss = nn.MSELoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)

history = []
for epoch in range(200):
    pred = model(x)
    loss = loss(pred, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    history.append(loss.item())
    if epoch % 50 == 0:
        print(f"epoch {epoch:3d}  mse {loss.item():.4f}")

model.eval()
with torch.no_grad():
    grid = torch.tensor([[-1.0], [0.0], [1.0]])
    print("predictions at -1, 0, 1:", model(grid).squeeze(1).tolist())
