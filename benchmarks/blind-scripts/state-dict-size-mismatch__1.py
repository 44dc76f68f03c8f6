"""Fine-tuning a 10-class pretrained classifier on a 4-class task."""
import io
import torch
import torch.nn as nn

torch.manual_seed(0)


class Classifier(nn.Module):
    def __init__(self, n_classes):
        super().__init__()
        self.backbone = nn.Sequential(nn.Linear(20, 32), nn.ReLU())
        self.head = nn.Linear(32, n_classes)

    def forward(self, x):
        return self.head(self.backbone(x))


pretrained = io.BytesIO()
torch.save(Classifier(10).state_dict(), pretrained)
pretrained.seek(0)

model = Classifier(4)
model.load_state_dict(torch.load(pretrained), strict=False)
x, y = torch.randn(40, 20), torch.randint(0, 4, (40,))
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for _ in range(10):
    opt.zero_grad()
    loss = nn.functional.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
assert model.head.out_features == 4
assert torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")
