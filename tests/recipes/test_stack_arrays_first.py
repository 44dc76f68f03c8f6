from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import stack_arrays_first as recipe

WARNING = "Creating a tensor from a list of numpy.ndarrays is extremely slow"

REPLAY = '''\
import random
from collections import deque

import numpy as np
import torch
import torch.nn as nn

random.seed(0)
torch.manual_seed(0)
rng = np.random.default_rng(0)
memory = deque(maxlen=1000)
for _ in range(300):
    state, next_state = rng.standard_normal(6), rng.standard_normal(6)
    memory.append((state, int(rng.integers(0, 3)), float(rng.standard_normal()), next_state))

q_net = nn.Sequential(nn.Linear(6, 32), nn.ReLU(), nn.Linear(32, 3))
optimizer = torch.optim.Adam(q_net.parameters(), lr=1e-3)


def sample(batch_size):
    batch = random.sample(list(memory), batch_size)
    states = torch.FloatTensor([t[0] for t in batch])
    actions = torch.LongTensor([t[1] for t in batch])
    rewards = torch.FloatTensor([t[2] for t in batch])
    next_states = torch.FloatTensor([t[3] for t in batch])
    return batch, states, actions, rewards, next_states


batch, states, actions, rewards, next_states = sample(32)
with torch.no_grad():
    targets = rewards + 0.99 * q_net(next_states).max(1).values
q = q_net(states).gather(1, actions.unsqueeze(1)).squeeze(1)
loss = nn.functional.smooth_l1_loss(q, targets)
optimizer.zero_grad()
loss.backward()
optimizer.step()
'''

# Same batch, same dtypes and values as the element-by-element conversion gave.
SAME_BATCH = '''
assert states.dtype == torch.float32 and states.shape == (32, 6)
assert torch.equal(states[5], torch.tensor(batch[5][0], dtype=torch.float32))
assert actions.dtype == torch.int64 and actions.tolist() == [t[1] for t in batch]
assert rewards.dtype == torch.float32 and torch.equal(next_states[0], torch.tensor(batch[0][3], dtype=torch.float32))
'''

FRAMES = '''\
import numpy as np
import torch


def render(step):
    frame = np.full((4, 4), step, dtype=np.uint8)
    frame[step % 4] = 255
    return frame


frames = []
for step in range(10):
    frames.append(render(step))
clip = torch.tensor(frames).float().div(255.0)
mean_brightness = clip.mean((1, 2))
'''


def test_replay_batches_are_stacked_one_warned_line_at_a_time(sandbox):
    # torch warns once per process: the states line first, the next states line once that is stacked
    first = patch(recipe, REPLAY, sandbox.warning_facts(REPLAY, "UserWarning"))
    assert "    states = torch.FloatTensor(np.stack([t[0] for t in batch]))\n" in first
    assert "    next_states = torch.FloatTensor([t[3] for t in batch])\n" in first
    patched = patch(recipe, first, sandbox.warning_facts(first, "UserWarning"))
    assert "    next_states = torch.FloatTensor(np.stack([t[3] for t in batch]))\n" in patched
    assert "    rewards = torch.FloatTensor([t[2] for t in batch])\n" in patched
    sandbox.assert_clean(patched + SAME_BATCH, without_warning=WARNING)


def test_frames_appended_in_a_loop_are_stacked(sandbox):
    patched = patch(recipe, FRAMES, sandbox.warning_facts(FRAMES, "UserWarning"))
    assert "clip = torch.tensor(np.stack(frames)).float().div(255.0)\n" in patched
    sandbox.assert_clean(patched + "assert clip.shape == (10, 4, 4)\n"
                         "assert torch.equal(clip[6], torch.from_numpy(render(6)).float() / 255.0)\n",
                         without_warning=WARNING)


EPISODES = '''\
import numpy as np
import torch
import torch.nn as nn

rng = np.random.default_rng(0)
torch.manual_seed(0)
policy = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 2))
optimizer = torch.optim.Adam(policy.parameters(), lr=1e-2)


def run_episode(steps=12):
    observations, returns = [], []
    running = 0.0
    for _ in range(steps):
        observation = rng.standard_normal(4).astype(np.float32)
        reward = float(observation.sum() > 0)
        running = 0.9 * running + reward
        observations.append(observation)
        returns.append(running)
    return observations, returns


observations, returns = run_episode()
obs = torch.tensor(observations)
ret = torch.tensor(returns)
values = policy(obs).max(1).values
loss = ((values - ret) ** 2).mean()
optimizer.zero_grad()
loss.backward()
optimizer.step()
'''


def test_only_the_warned_conversion_is_stacked_and_a_list_of_floats_stays(sandbox):
    facts = sandbox.warning_facts(EPISODES, "UserWarning")
    patched = patch(recipe, EPISODES, facts)
    assert "obs = torch.tensor(np.stack(observations))\n" in patched
    assert "ret = torch.tensor(returns)\n" in patched  # stacked, the floats would turn float64
    sandbox.assert_clean(patched + "assert obs.dtype == torch.float32 and obs.shape == (12, 4)\n"
                         "assert ret.dtype == torch.float32 and ret.shape == (12,)\n"
                         "assert torch.equal(obs[3], torch.from_numpy(observations[3]))\n", without_warning=WARNING)


def test_a_conversion_on_another_line_than_the_warned_one_is_left_alone(sandbox):
    facts = sandbox.warning_facts(EPISODES, "UserWarning")
    shifted = EPISODES.replace("obs = torch.tensor(observations)\n", "obs = torch.tensor(np.stack(observations))\n")
    assert not applies(recipe, shifted, facts)


def test_lists_of_numbers_or_tensors_are_left_alone():
    facts = Facts("UserWarning", WARNING + ". Please consider converting the list to a single numpy.ndarray")
    code = ("import torch\nlosses = torch.tensor([float(v) for v in values])\n"
            "ids = torch.tensor([[1, 2], [3, 4]])\nparts = torch.tensor([torch.ones(2) for _ in range(3)])\n")
    assert not applies(recipe, code, facts)
