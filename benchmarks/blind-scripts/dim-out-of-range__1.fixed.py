"""Predict the class of one feature vector with a trained model."""
import torch
import torch.nn as nn

torch.manual_seed(0)

model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 3))
X = torch.randn(150, 6)
y = X[:, :3].argmax(1)
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for epoch in range(60):
    opt.zero_grad()
    loss = nn.functional.cross_entropy(model(X), y)
    loss.backward()
    opt.step()


def predict_one(sample: torch.Tensor) -> tuple[int, float]:
    with torch.no_grad():
        logits = model(sample.unsqueeze(0))
    probs = torch.softmax(logits, dim=1)
    conf, cls = probs.max(dim=1)
    return int(cls), float(conf)


cls, conf = predict_one(X[0])
assert 0 <= cls < 3 and 0 < conf <= 1
print(f"RESULT class={cls} conf={conf:.3f}")
