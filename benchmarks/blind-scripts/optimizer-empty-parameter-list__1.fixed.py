"""MLP whose layers are built in a loop and kept in a plain Python list."""
import torch
import torch.nn as nn

torch.manual_seed(0)


class DeepMLP(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes, sizes[1:]))

    def forward(self, x):
        for layer in self.layers[:-1]:
            x = torch.relu(layer(x))
        return self.layers[-1](x)


model = DeepMLP([10, 32, 32, 1])
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
X = torch.randn(64, 10)
y = X[:, :2].sum(1, keepdim=True)
for epoch in range(30):
    opt.zero_grad()
    loss = nn.functional.mse_loss(model(X), y)
    loss.backward()
    opt.step()
assert len(list(model.parameters())) == 6
assert torch.isfinite(loss)
print(f"RESULT mse={loss.item():.4f}")
