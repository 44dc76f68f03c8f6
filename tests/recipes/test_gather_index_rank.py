from tests.recipes.kbfix import patch
from assistant.repair.recipes import gather_index_rank as recipe

DQN_UPDATE = '''\
import copy
import random
from collections import deque

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
random.seed(0)
N_STATES, N_ACTIONS, GAMMA = 4, 3, 0.9

q_net = nn.Sequential(nn.Linear(N_STATES, 32), nn.ReLU(), nn.Linear(32, N_ACTIONS))
opt = torch.optim.Adam(q_net.parameters(), lr=1e-3)
buffer = deque(maxlen=100)
for _ in range(64):
    buffer.append((torch.randn(N_STATES), random.randrange(N_ACTIONS), random.random(), torch.randn(N_STATES)))


def update(batch_size=16):
    states, actions, rewards, next_states = zip(*random.sample(buffer, batch_size))
    states, next_states = torch.stack(states), torch.stack(next_states)
    actions, rewards = torch.tensor(actions), torch.tensor(rewards)
    q_taken = q_net(states).gather(1, actions)
    with torch.no_grad():
        target = rewards + GAMMA * q_net(next_states).max(1).values
    loss = F.mse_loss(q_taken, target)
    opt.zero_grad()
    loss.backward()
    opt.step()
    return states, actions, q_taken


target_net = copy.deepcopy(q_net)               # the weights the update started from
states, actions, q_taken = update()
'''

# One Q-value per transition, the one of the action taken: what the TD target is compared with.
TAKEN_ACTIONS = '''
assert q_taken.shape == (16,)
assert torch.allclose(q_taken, target_net(states)[torch.arange(16), actions], atol=1e-6)
'''

CHOSEN_TOKENS = '''\
import torch

log_probs = torch.randn(5, 10).log_softmax(-1)
chosen = torch.tensor([1, 4, 4, 0, 9])
picked = torch.gather(log_probs, -1, chosen).squeeze(-1)
assert picked.shape == (5,)
'''


def test_the_actions_get_the_gathered_axis_and_lose_it_after(sandbox):
    patched = patch(recipe, DQN_UPDATE, sandbox.facts(DQN_UPDATE, "RuntimeError"))
    assert "    q_taken = q_net(states).gather(1, actions.unsqueeze(1)).squeeze(1)\n" in patched
    sandbox.assert_clean(patched + TAKEN_ACTIONS)


def test_a_squeeze_already_written_is_not_repeated(sandbox):
    patched = patch(recipe, CHOSEN_TOKENS, sandbox.facts(CHOSEN_TOKENS, "RuntimeError"))
    assert "picked = torch.gather(log_probs, -1, chosen.unsqueeze(-1)).squeeze(-1)\n" in patched
    sandbox.assert_clean(patched)
