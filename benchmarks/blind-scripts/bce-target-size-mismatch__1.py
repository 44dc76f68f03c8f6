"""Binary spam detector: the model outputs [N, 1], the labels are [N]."""
import torch
import torch.nn as nn

torch.manual_seed(0)

emails = torch.randn(64, 30)
is_spam = (emails[:, 0] + emails[:, 5] > 0).float()

detector = nn.Sequential(nn.Linear(30, 16), nn.ReLU(), nn.Linear(16, 1))
criterion = nn.BCEWithLogitsLoss()
optimizer = torch.optim.Adam(detector.parameters(), lr=1e-2)

for epoch in range(25):
    optimizer.zero_grad()
    logits = detector(emails)
    loss = criterion(logits, is_spam)
    loss.backward()
    optimizer.step()

with torch.no_grad():
    pred = (torch.sigmoid(detector(emails)).squeeze(1) > 0.5).float()
acc = (pred == is_spam).float().mean().item()
assert torch.isfinite(loss)
print(f"RESULT acc={acc:.3f}")
