import torch
from torch import nn

torch.manual_seed(12)
# a batch of RGB crops, [N, C, H, W]
images = torch.rand(16, 3, 12, 12)
labels = torch.randint(0, 4, (16,))

model = nn.Sequential(
    nn.Conv2d(3, 8, 3), nn.ReLU(),
    nn.Conv2d(8, 8, 3), nn.ReLU(),
)
head = nn.Linear(8 * 8 * 8, 4)
opt = torch.optim.SGD(list(model.parameters()) + list(head.parameters()), lr=0.05)


def forward(batch):
    fmap = model(batch)
    fmap = fmap.permute(0, 2, 3, 1)          # keep HWC order for the head
    return head(fmap.view(fmap.size(0), -1))


for it in range(6):
    opt.zero_grad()
    logits = forward(images)
    loss = nn.functional.cross_entropy(logits, labels)
    loss.backward()
    opt.step()
assert logits.shape == (16, 4) and torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")
