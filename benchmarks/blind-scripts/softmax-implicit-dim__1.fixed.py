"""Evaluate a digit classifier and report mean confidence."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)

model = nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
images = torch.randn(128, 1, 8, 8)
labels = torch.randint(0, 10, (128,))
opt = torch.optim.SGD(model.parameters(), lr=0.1)

for epoch in range(10):
    opt.zero_grad()
    loss = F.cross_entropy(model(images), labels)
    loss.backward()
    opt.step()


@torch.no_grad()
def evaluate(net, x, y):
    net.eval()
    probs = F.softmax(net(x), dim=1)
    conf, pred = probs.max(dim=1)
    return (pred == y).float().mean().item(), conf.mean().item()


acc, confidence = evaluate(model, images, labels)
assert 0.0 <= acc <= 1.0 and 0.1 <= confidence <= 1.0
print(f"RESULT acc={acc:.3f} conf={confidence:.3f}")
