import torch
from torch import nn

torch.manual_seed(2)
CLASS_NAMES = ["airplane", "car", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
IGNORE = 10           # "unlabelled" marker used by the annotation tool

images = torch.randn(40, 3, 16, 16)
labels = torch.randint(0, len(CLASS_NAMES), (40,))
labels[::7] = IGNORE

net = nn.Sequential(
    nn.Conv2d(3, 8, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
    nn.Linear(8, len(CLASS_NAMES)),
)
opt = torch.optim.Adam(net.parameters(), lr=1e-2)
loss_fn = nn.CrossEntropyLoss(ignore_index=IGNORE)
for epoch in range(4):
    opt.zero_grad()
    logits = net(images)
    loss = loss_fn(logits, labels)
    loss.backward()
    opt.step()

labelled = labels != IGNORE
acc = (logits.argmax(1)[labelled] == labels[labelled]).float().mean().item()
assert logits.shape == (40, 10)
assert torch.isfinite(loss)
print(f"RESULT acc={acc:.3f}")
