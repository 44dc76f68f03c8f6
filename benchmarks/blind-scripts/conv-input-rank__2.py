import torch
from torch import nn

torch.manual_seed(2)
N, H, W = 16, 20, 20
# tabular heat-maps stored flattened, one row per sample
flat_maps = torch.randn(N, H * W)
hot = (flat_maps.view(N, H, W)[:, :10].mean((1, 2)) > 0).long()


class HeatmapNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, kernel_size=5)
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        x = torch.relu(self.conv(x))
        return self.fc(x.amax(dim=(2, 3)))


net = HeatmapNet()
opt = torch.optim.Adam(net.parameters(), lr=5e-3)
for step in range(10):
    opt.zero_grad()
    logits = net(flat_maps)
    loss = nn.functional.cross_entropy(logits, hot)
    loss.backward()
    opt.step()
assert logits.shape == (N, 2) and torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")
