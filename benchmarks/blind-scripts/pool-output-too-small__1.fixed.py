"""VGG-like stack of pooling stages applied to small 16x16 patches."""
import torch
import torch.nn as nn

torch.manual_seed(0)
PATCH = 16


def stage(cin, cout):
    return [nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]


layers = []
for cin, cout in [(3, 8), (8, 16), (16, 32), (32, 64)]:
    layers += stage(cin, cout)
features = nn.Sequential(*layers)
classifier = nn.Sequential(nn.Flatten(), nn.Linear(64, 4))
model = nn.Sequential(features, classifier)

patches = torch.randn(10, 3, PATCH, PATCH)
tissue = torch.randint(0, 4, (10,))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for step in range(3):
    opt.zero_grad()
    out = model(patches)
    loss = nn.functional.cross_entropy(out, tissue)
    loss.backward()
    opt.step()
assert out.shape == (10, 4) and torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")
