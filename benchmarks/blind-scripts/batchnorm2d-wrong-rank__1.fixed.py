"""Small CNN for 16x16 RGB tiles; classify one tile after training."""
import torch
import torch.nn as nn

torch.manual_seed(0)


def make_cnn(n_classes: int = 4) -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1, bias=False),
        nn.BatchNorm2d(8),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(8, n_classes),
    )


tiles = torch.randn(32, 3, 16, 16)
labels = torch.randint(0, 4, (32,))
cnn = make_cnn()
opt = torch.optim.SGD(cnn.parameters(), lr=0.05, momentum=0.9)
for epoch in range(5):
    opt.zero_grad()
    loss = nn.functional.cross_entropy(cnn(tiles), labels)
    loss.backward()
    opt.step()

cnn.eval()
single_tile = torch.randn(3, 16, 16).unsqueeze(0)
with torch.no_grad():
    feats = cnn[0](single_tile)
    logits = cnn[1:](feats)
pred = logits.argmax(-1)
assert logits.shape[-1] == 4
assert torch.isfinite(loss)
print(f"RESULT pred={int(pred.flatten()[0])} loss={loss.item():.3f}")
