# Residual MLP blocks whose activation is picked by name from a YAML-like config dict.
import json
import torch
import torch.nn as nn
import torch.nn.functional as F

config = json.loads('{"dim": 24, "blocks": 3, "activation": "gelu", "n_classes": 4}')


class ResidualBlock(nn.Module):
    def __init__(self, dim, activation):
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.fc1 = nn.Linear(dim, 2 * dim)
        self.act = activation
        self.fc2 = nn.Linear(2 * dim, dim)

    def forward(self, x):
        return x + self.fc2(self.act(self.fc1(self.norm(x))))


ACTIVATIONS = {"gelu": nn.GELU, "relu": nn.ReLU, "silu": nn.SiLU}


class Net(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        act = ACTIVATIONS[cfg["activation"]]
        self.blocks = nn.ModuleList()
        for _ in range(cfg["blocks"]):
            self.blocks.append(ResidualBlock(cfg["dim"], act()))
            self.blocks.append(act())
        self.out = nn.Linear(cfg["dim"], cfg["n_classes"])

    def forward(self, x):
        for layer in self.blocks:
            x = layer(x)
        return self.out(x)


torch.manual_seed(0)
model = Net(config)
x = torch.randn(32, config["dim"])
target = torch.randint(0, config["n_classes"], (32,))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for step in range(30):
    loss = F.cross_entropy(model(x), target)
    opt.zero_grad()
    loss.backward()
    opt.step()
print(f"loss {loss.item():.4f}")
assert len(model.blocks) == 2 * config["blocks"] and isinstance(model.blocks[1], nn.GELU)
assert model(x).shape == (32, config["n_classes"]) and loss.item() < 1.0
print(f"RESULT loss={loss.item():.4f}")
