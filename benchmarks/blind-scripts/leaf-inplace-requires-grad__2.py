import torch
from torch import nn

torch.manual_seed(3)
# adversarial-style input optimisation: find an input that maximises class 2


classifier = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 4))
for p in classifier.parameters():
    p.requires_grad_(False)

x = torch.zeros(1, 16, requires_grad=True)
STEP = 0.1


def score(inp):
    return classifier(inp)[0, 2]


for it in range(20):
    s = score(x)
    s.backward()
    x.add_(STEP * x.grad.sign())
    x.clamp_(-1, 1)
    x.grad = None

final = score(x).item()
assert x.abs().max() <= 1.0
assert final == final
print(f"RESULT score={final:.4f}")
