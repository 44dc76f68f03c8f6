import torch
from torch import nn

torch.manual_seed(5)
# X-ray scans are single channel, the backbone was copied from an RGB project
scans = torch.rand(6, 1, 64, 64)
finding = torch.randint(0, 2, (6,))


class Backbone(nn.Module):
    def __init__(self, in_ch=3, width=16):
        super().__init__()
        self.stem = nn.Conv2d(in_ch, width, 7, stride=2, padding=3)
        self.block = nn.Sequential(nn.Conv2d(width, width, 3, padding=1), nn.ReLU())
        self.head = nn.Linear(width, 2)

    def forward(self, x):
        x = self.block(torch.relu(self.stem(x)))
        return self.head(x.mean(dim=(2, 3)))


model = Backbone()
opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
crit = nn.CrossEntropyLoss()
for epoch in range(3):
    opt.zero_grad()
    logits = model(scans)
    loss = crit(logits, finding)
    loss.backward()
    opt.step()
assert logits.shape == (6, 2)
assert torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")
