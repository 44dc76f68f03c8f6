"""A deep CNN designed for 224px images trained on 32px thumbnails."""
import torch
import torch.nn as nn

torch.manual_seed(0)


def conv_block(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3), nn.ReLU(), nn.MaxPool2d(2))


class DeepNet(nn.Module):
    def __init__(self, n_blocks=5):
        super().__init__()
        chans = [3, 8, 16, 16, 32, 32, 32][: n_blocks + 1]
        self.features = nn.Sequential(*[conv_block(a, b) for a, b in zip(chans, chans[1:])])
        self.head = nn.Linear(chans[-1], 10)

    def forward(self, x):
        return self.head(self.features(x).mean(dim=(2, 3)))


thumbs = torch.randn(8, 3, 32, 32)
labels = torch.randint(0, 10, (8,))
model = DeepNet()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for step in range(3):
    opt.zero_grad()
    logits = model(thumbs)
    loss = nn.functional.cross_entropy(logits, labels)
    loss.backward()
    opt.step()
assert logits.shape == (8, 10) and torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")
