"""Linear regression with a tiny MLP, classic beginner training loop."""
import numpy as np
import torch
import torch.nn as nn

np.random.seed(0)
torch.manual_seed(0)

x_np = np.random.rand(100, 1).astype(np.float32) * 10
y_np = 2.5 * x_np + 1.0 + np.random.randn(100, 1).astype(np.float32)
x_train = torch.from_numpy(x_np)
y_train = torch.from_numpy(y_np)

model = nn.Sequential(nn.Linear(1, 8), nn.ReLU(), nn.Linear(8, 1))
loss = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.005)

history = []
for epoch in range(50):
    outputs = model(x_train)
    loss = loss(outputs, y_train)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    history.append(loss.item())
    if (epoch + 1) % 10 == 0:
        print(f"Epoch [{epoch + 1}/50], Loss: {loss.item():.4f}")

with torch.no_grad():
    print("prediction for x=4:", model(torch.tensor([[4.0]])).item())
