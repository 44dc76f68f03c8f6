"""Mixed-precision fine-tuning where the model itself was cast to half."""
import torch
import torch.nn as nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 4))
opt = torch.optim.SGD(model.parameters(), lr=0.05)
scaler = torch.amp.GradScaler("cpu")
X = torch.randn(64, 16)
y = torch.randint(0, 4, (64,))


def train_step(xb, yb):
    opt.zero_grad()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        logits = model(xb)
    loss = nn.functional.cross_entropy(logits.float(), yb)
    scaler.scale(loss).backward()
    scaler.unscale_(opt)
    nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    scaler.step(opt)
    scaler.update()
    return loss.item()


for step in range(5):
    last = train_step(X, y)
assert last == last
print(f"RESULT loss={last:.4f}")
