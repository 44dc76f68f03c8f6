import torch
from torch import nn

torch.manual_seed(7)
WINDOW = 16          # sensor readings per window

encoder = nn.Sequential(
    nn.Conv1d(3, 16, kernel_size=5, stride=2),    # 16 -> 6
    nn.ReLU(),
    nn.Conv1d(16, 32, kernel_size=3, padding=1),  # 6 -> 6
    nn.ReLU(),
    nn.Conv1d(32, 32, kernel_size=5),             # 6 -> 2
    nn.AdaptiveAvgPool1d(1),
    nn.Flatten(),
)
head = nn.Linear(32, 2)
opt = torch.optim.Adam([*encoder.parameters(), *head.parameters()], lr=1e-3)

windows = torch.randn(20, 3, WINDOW)
anomaly = torch.randint(0, 2, (20,))
for epoch in range(4):
    opt.zero_grad()
    logits = head(encoder(windows))
    loss = nn.functional.cross_entropy(logits, anomaly)
    loss.backward()
    opt.step()
assert logits.shape == (20, 2)
assert torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")
