# sensor windows -> activity classifier
import torch
from torch import nn

torch.manual_seed(1)
N_WINDOWS, STEPS, SENSORS, HIDDEN, ACTIVITIES = 48, 50, 6, 16, 4

x = torch.randn(N_WINDOWS, STEPS, SENSORS)
y = torch.randint(0, ACTIVITIES, (N_WINDOWS,))

encoder = nn.Sequential(
    nn.Linear(SENSORS, HIDDEN),
    nn.BatchNorm1d(HIDDEN),
    nn.ReLU(),
)
classifier = nn.Linear(HIDDEN, ACTIVITIES)
params = list(encoder.parameters()) + list(classifier.parameters())
optimizer = torch.optim.SGD(params, lr=0.1, momentum=0.9)


def predict(batch):
    feats = encoder(batch)             # per-timestep features
    return classifier(feats.mean(1))


for step in range(20):
    optimizer.zero_grad()
    out = predict(x)
    loss = nn.functional.cross_entropy(out, y)
    loss.backward()
    optimizer.step()

acc = (out.argmax(1) == y).float().mean().item()
assert out.shape == (N_WINDOWS, ACTIVITIES) and torch.isfinite(loss)
print(f"RESULT acc={acc:.3f}")
