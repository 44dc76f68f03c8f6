import random
from collections import deque

import numpy as np
import torch
import torch.nn as nn

random.seed(0)
np.random.seed(0)
torch.manual_seed(0)


class ReplayBuffer:
    def __init__(self, capacity):
        self.buf = deque(maxlen=capacity)

    def push(self, obs, action, reward, next_obs, done):
        self.buf.append((obs, action, reward, next_obs, done))

    def sample(self, batch_size):
        batch = random.sample(self.buf, batch_size)
        obs, act, rew, nxt, done = zip(*batch)
        return (
            torch.tensor(obs, dtype=torch.float32),
            torch.tensor(act, dtype=torch.int64),
            torch.tensor(rew, dtype=torch.float32),
            torch.tensor(nxt, dtype=torch.float32),
            torch.tensor(done, dtype=torch.float32),
        )


q_net = nn.Sequential(nn.Linear(4, 32), nn.ReLU(), nn.Linear(32, 2))
target_net = nn.Sequential(nn.Linear(4, 32), nn.ReLU(), nn.Linear(32, 2))
target_net.load_state_dict(q_net.state_dict())
opt = torch.optim.Adam(q_net.parameters(), lr=1e-3)

buffer = ReplayBuffer(500)
obs = np.zeros(4, dtype=np.float32)
for t in range(200):
    action = t % 2
    next_obs = (obs + np.random.randn(4).astype(np.float32) * 0.1).astype(np.float32)
    buffer.push(obs, action, float(-abs(next_obs[0])), next_obs, t % 50 == 49)
    obs = next_obs

gamma = 0.99
for step in range(10):
    o, a, r, o2, d = buffer.sample(32)
    with torch.no_grad():
        target = r + gamma * (1 - d) * target_net(o2).max(1).values
    q = q_net(o).gather(1, a.unsqueeze(1)).squeeze(1)
    loss = nn.functional.smooth_l1_loss(q, target)
    opt.zero_grad()
    loss.backward()
    opt.step()
print(f"td loss {loss.item():.5f}")
