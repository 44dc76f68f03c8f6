"""Star ratings 1..5 used directly as class indices."""
import torch
import torch.nn as nn

torch.manual_seed(0)
N_RATINGS = 5

reviews = torch.randn(100, 16)
stars = torch.randint(1, N_RATINGS + 1, (100,))          # 1..5

model = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, N_RATINGS))
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
criterion = nn.CrossEntropyLoss()

for epoch in range(10):
    opt.zero_grad()
    logits = model(reviews)
    loss = criterion(logits, stars)
    loss.backward()
    opt.step()


def predict_stars(x):
    with torch.no_grad():
        return model(x).argmax(1) + 1


pred = predict_stars(reviews)
assert pred.min() >= 1 and pred.max() <= N_RATINGS
print(f"RESULT loss={loss.item():.4f}")
