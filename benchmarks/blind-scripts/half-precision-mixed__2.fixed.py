import torch
from torch import nn

torch.manual_seed(8)


def gated_features(x: torch.Tensor, gate: nn.Linear) -> torch.Tensor:
    return x * torch.sigmoid(gate(x))


encoder = nn.Sequential(nn.Linear(20, 40), nn.SiLU(), nn.Linear(40, 20))
gate = nn.Linear(20, 20)
head = nn.Linear(20, 5)
params = [*encoder.parameters(), *gate.parameters(), *head.parameters()]
opt = torch.optim.Adam(params, lr=1e-3)

x = torch.randn(32, 20)
y = torch.randint(0, 5, (32,))
for step in range(5):
    opt.zero_grad()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        h = encoder(x)
        g = gated_features(h, gate)
        logits = head(g)
    loss = nn.functional.cross_entropy(logits.float(), y)
    loss.backward()
    opt.step()
assert logits.shape == (32, 5)
assert torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")
