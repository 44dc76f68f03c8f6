"""Small residual MLP for regression, trained with a dict config."""
import torch
import torch.nn as nn

torch.manual_seed(0)
cfg = {"in_dim": 10, "width": 32, "blocks": 3, "lr": 1e-3, "steps": 15}


class ResBlock(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.fc1 = nn.Linear(width, width)
        self.fc2 = nn.Linear(width, width)
        self.act = nn.ReLU(inplace=True)

    def forward(self, x):
        out = self.act(self.fc1(x))
        out = self.act(self.fc2(out))
        out += x  # skip connection
        return out


class ResMLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.stem = nn.Linear(c["in_dim"], c["width"])
        self.blocks = nn.Sequential(*[ResBlock(c["width"]) for _ in range(c["blocks"])])
        self.out = nn.Linear(c["width"], 1)

    def forward(self, x):
        return self.out(self.blocks(self.stem(x))).squeeze(-1)


X = torch.randn(128, cfg["in_dim"])
y = X[:, :3].sum(1) + 0.1 * torch.randn(128)
model = ResMLP(cfg)
opt = torch.optim.Adam(model.parameters(), lr=cfg["lr"])
for step in range(cfg["steps"]):
    pred = model(X)
    loss = nn.functional.mse_loss(pred, y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 5 == 0:
        print(f"step {step} mse {loss.item():.4f}")
