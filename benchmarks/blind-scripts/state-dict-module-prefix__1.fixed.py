"""Weights saved from a DataParallel-wrapped model, loaded into a plain model for inference."""
import io
import torch
import torch.nn as nn

torch.manual_seed(0)


def make_model():
    return nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3))


# training side
trained = nn.DataParallel(make_model())
x = torch.randn(32, 8)
y = torch.randint(0, 3, (32,))
opt = torch.optim.SGD(trained.parameters(), lr=0.1)
for _ in range(5):
    opt.zero_grad()
    nn.functional.cross_entropy(trained(x), y).backward()
    opt.step()
checkpoint = io.BytesIO()
torch.save(trained.state_dict(), checkpoint)

# inference side
checkpoint.seek(0)
state = torch.load(checkpoint)
model = make_model()
model.load_state_dict({k.removeprefix("module."): v for k, v in state.items()})
model.eval()
with torch.no_grad():
    logits = model(x)
assert torch.allclose(logits, trained(x).detach())
print(f"RESULT pred0={int(logits[0].argmax())}")
