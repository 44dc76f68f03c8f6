import torch
import torch.nn as nn

torch.manual_seed(0)


class ResidualMLP(nn.Module):
    def __init__(self, dim=32, depth=3):
        super().__init__()
        self.blocks = nn.ModuleList(
            nn.Sequential(nn.Linear(dim, dim * 2), nn.GELU(), nn.Linear(dim * 2, dim)) for _ in range(depth)
        )
        self.out = nn.Linear(dim, 1)
        self.reset_parameters()

    def reset_parameters(self):
        # zero-init the last layer of each residual branch so blocks start as identity
        for block in self.blocks:
            last = block[-1]
            last.weight = torch.zeros(last.out_features, last.in_features)
            nn.init.zeros_(last.bias)

    def forward(self, x):
        for block in self.blocks:
            x = x + block(x)
        return self.out(x)


model = ResidualMLP()
x = torch.randn(8, 32)
y = model(x)
print("output", y.shape)
