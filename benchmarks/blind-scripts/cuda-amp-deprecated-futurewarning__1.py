"""Training loop using the old torch.cuda.amp names, run device-agnostically."""
import torch
import torch.nn as nn

torch.manual_seed(0)
use_cuda = torch.cuda.is_available()
device = "cuda" if use_cuda else "cpu"
model = nn.Sequential(nn.Linear(10, 20), nn.ReLU(), nn.Linear(20, 1)).to(device)
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
scaler = torch.cuda.amp.GradScaler(enabled=use_cuda)
X = torch.randn(48, 10, device=device)
y = X[:, :1] * 2


def step():
    opt.zero_grad()
    with torch.autocast(device, enabled=use_cuda):
        loss = nn.functional.mse_loss(model(X), y)
    scaler.scale(loss).backward()
    scaler.step(opt)
    scaler.update()
    return loss.item()


for epoch in range(20):
    last = step()
assert last == last
print(f"RESULT mse={last:.4f}")
