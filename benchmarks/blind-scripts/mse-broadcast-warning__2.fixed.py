import torch
from torch import nn
import torch.nn.functional as F

torch.manual_seed(9)
# value head of an actor-critic: returns arrive as a column, values as a flat vector
obs = torch.randn(16, 4)
returns = (obs.sum(1) * 0.5).unsqueeze(1)

critic = nn.Sequential(nn.Linear(4, 32), nn.Tanh(), nn.Linear(32, 1))
opt = torch.optim.Adam(critic.parameters(), lr=1e-2)


def value(states):
    return critic(states).squeeze(-1)


for update in range(150):
    v = value(obs)
    value_loss = F.mse_loss(v, returns.squeeze(1))

    opt.zero_grad()
    value_loss.backward()
    opt.step()

with torch.no_grad():
    err = (value(obs) - returns.squeeze(1)).abs().mean().item()
assert v.shape == (16,)
assert err < 0.5, err
print(f"RESULT mae={err:.4f}")
