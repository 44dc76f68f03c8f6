import torch
from torch import nn

torch.manual_seed(4)


class Critic(nn.Module):
    def __init__(self, obs_dim=6, act_dim=2):
        super().__init__()
        self.q = nn.Sequential(nn.Linear(obs_dim + act_dim, 32), nn.ReLU(), nn.Linear(32, 1))

        def forward(self, obs, act):
            return self.q(torch.cat([obs, act], dim=-1)).squeeze(-1)


critic = Critic()
opt = torch.optim.Adam(critic.parameters(), lr=1e-3)
obs, act = torch.randn(64, 6), torch.randn(64, 2)
target_q = obs.sum(1) - act.pow(2).sum(1)

for step in range(20):
    opt.zero_grad()
    q = critic(obs, act)
    loss = nn.functional.mse_loss(q, target_q)
    loss.backward()
    opt.step()
assert q.shape == (64,)
assert torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")
