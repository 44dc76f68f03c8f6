"""One DQN update step from a replay buffer on a toy grid-world."""
import random
from collections import deque, namedtuple

import numpy as np
import torch
import torch.nn as nn

random.seed(0)
np.random.seed(0)
torch.manual_seed(0)

Transition = namedtuple("Transition", "state action reward next_state done")
N_STATES, N_ACTIONS, GAMMA = 8, 4, 0.95


class QNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(N_STATES, 32), nn.ReLU(), nn.Linear(32, N_ACTIONS))

    def forward(self, s):
        return self.net(s)


def one_hot_state(i):
    v = torch.zeros(N_STATES)
    v[i] = 1.0
    return v


buffer = deque(maxlen=500)
for k in range(64):
    s, a = k % N_STATES, k % N_ACTIONS
    s2 = (s + 1) % N_STATES
    buffer.append(Transition(one_hot_state(s), a, float(s2 == N_STATES - 1), one_hot_state(s2), s2 == N_STATES - 1))

policy, target = QNet(), QNet()
target.load_state_dict(policy.state_dict())
optimizer = torch.optim.Adam(policy.parameters(), lr=1e-3)


def optimize(batch_size=16):
    batch = Transition(*zip(*random.sample(buffer, batch_size)))
    states = torch.stack(batch.state)
    actions = torch.tensor(batch.action, dtype=torch.int64)
    rewards = torch.tensor(batch.reward)
    next_states = torch.stack(batch.next_state)
    dones = torch.tensor(batch.done, dtype=torch.float32)

    q_taken = policy(states).gather(1, actions.unsqueeze(1)).squeeze(1)
    with torch.no_grad():
        q_next = target(next_states).max(1).values
    td_target = rewards + GAMMA * q_next * (1 - dones)
    loss = nn.functional.smooth_l1_loss(q_taken, td_target)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()


for step in range(5):
    last = optimize()
    print(f"step {step}: td loss {last:.5f}")
q = policy(torch.eye(N_STATES))
assert q.gather(1, torch.zeros(N_STATES, 1, dtype=torch.int64)).squeeze(1).shape == (N_STATES,) and last == last
print(f"RESULT td_loss={last:.5f}")
