import torch
from torch import nn

torch.manual_seed(1)
# gridworld agent: stop the episode when the agent reaches the goal
goal = torch.tensor([4.0, 4.0])
policy = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 4))
MOVES = torch.tensor([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]])


def rollout(max_steps=30):
    pos = torch.zeros(2)
    log_probs = []
    for t in range(max_steps):
        dist = torch.distributions.Categorical(logits=policy(pos))
        a = dist.sample()
        log_probs.append(dist.log_prob(a))
        pos = (pos + MOVES[a]).clamp(0, 4)
        if pos == goal:
            return torch.stack(log_probs), 1.0
    return torch.stack(log_probs), 0.0


opt = torch.optim.Adam(policy.parameters(), lr=1e-2)
wins = 0.0
for episode in range(10):
    lp, reward = rollout()
    loss = -(lp.sum() * (reward - 0.5))
    opt.zero_grad()
    loss.backward()
    opt.step()
    wins += reward
assert 0 <= wins <= 10
print(f"RESULT wins={int(wins)}")
