"""Tiny DQN agent on a random-walk toy environment."""
import random
import torch
import torch.nn as nn

torch.manual_seed(0)
random.seed(0)
STATE_DIM, N_ACTIONS = 8, 3

q_net = nn.Sequential(
    nn.Linear(STATE_DIM, 64),
    nn.BatchNorm1d(64),
    nn.ReLU(),
    nn.Linear(64, N_ACTIONS),
)
optimizer = torch.optim.Adam(q_net.parameters(), lr=1e-3)
replay = []


def act(state, epsilon=0.1):
    if random.random() < epsilon:
        return random.randrange(N_ACTIONS)
    q = q_net(state.unsqueeze(0))
    return int(q.argmax(dim=1))


state = torch.randn(STATE_DIM)
for t in range(64):
    action = act(state)
    next_state = state + 0.1 * torch.randn(STATE_DIM)
    reward = float(action == 1)
    replay.append((state, action, reward, next_state))
    state = next_state

q_net.train()
s, a, r, s2 = zip(*replay)
s, s2 = torch.stack(s), torch.stack(s2)
a, r = torch.tensor(a), torch.tensor(r)
with torch.no_grad():
    target = r + 0.9 * q_net(s2).max(1).values
pred = q_net(s).gather(1, a.unsqueeze(1)).squeeze(1)
loss = nn.functional.smooth_l1_loss(pred, target)
optimizer.zero_grad()
loss.backward()
optimizer.step()
assert pred.shape == (64,) and torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")
