import torch
from torch import nn

torch.manual_seed(4)
# Q-learning update: actions were stored in a float tensor with the rewards
N_ACTIONS = 3
q_net = nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Linear(16, N_ACTIONS))
opt = torch.optim.Adam(q_net.parameters(), lr=1e-3)

states = torch.randn(32, 5)
transitions = torch.stack([torch.randint(0, N_ACTIONS, (32,)).float(), torch.rand(32)], 1)
actions, rewards = transitions[:, 0], transitions[:, 1]


def td_loss():
    q = q_net(states)
    q_taken = q[torch.arange(len(states)), actions]
    return nn.functional.mse_loss(q_taken, rewards)


for step in range(10):
    opt.zero_grad()
    loss = td_loss()
    loss.backward()
    opt.step()
assert torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")
