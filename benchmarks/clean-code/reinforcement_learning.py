"""Two small reinforcement-learning setups: deep Q-learning and REINFORCE with a baseline.

DQN on a one-dimensional corridor: a replay buffer and a target network;
actions are chosen from a single state in eval mode under no_grad, Q-values
of the taken actions are picked with gather on an [N, 1] index, and the TD
target comes from the target network without gradient.

REINFORCE on a contextual bandit: actions are sampled from a Categorical on
logits, returns are normalised, and the baseline's value estimate is
detached inside the policy loss so each network gets only its own gradient.
"""

from collections import deque
from dataclasses import dataclass
import random

import numpy as np
import torch
from torch.distributions import Categorical
import torch.nn as nn
import torch.nn.functional as F


N_CELLS = 7
N_ACTIONS = 2          # 0 = left, 1 = right


class Corridor:
    def __init__(self, n_cells: int = N_CELLS, max_steps: int = 20) -> None:
        self.n_cells, self.max_steps = n_cells, max_steps

    def reset(self) -> np.ndarray:
        self.position, self.steps = self.n_cells // 2, 0
        return self.observation()

    def observation(self) -> np.ndarray:
        obs = np.zeros(self.n_cells, dtype=np.float32)
        obs[self.position] = 1.0
        return obs

    def step(self, action: int):
        self.position = max(0, min(self.n_cells - 1, self.position + (1 if action == 1 else -1)))
        self.steps += 1
        at_goal = self.position == self.n_cells - 1
        done = at_goal or self.steps >= self.max_steps
        return self.observation(), (1.0 if at_goal else -0.05), done


@dataclass
class Transition:
    state: np.ndarray
    action: int
    reward: float
    next_state: np.ndarray
    done: bool


class ReplayBuffer:
    def __init__(self, capacity: int) -> None:
        self.items: deque[Transition] = deque(maxlen=capacity)

    def push(self, transition: Transition) -> None:
        self.items.append(transition)

    def __len__(self) -> int:
        return len(self.items)

    def sample(self, batch_size: int):
        batch = random.sample(self.items, batch_size)
        states = torch.from_numpy(np.stack([t.state for t in batch]))
        actions = torch.tensor([t.action for t in batch], dtype=torch.long)
        rewards = torch.tensor([t.reward for t in batch], dtype=torch.float32)
        next_states = torch.from_numpy(np.stack([t.next_state for t in batch]))
        dones = torch.tensor([t.done for t in batch], dtype=torch.float32)
        return states, actions, rewards, next_states, dones


class QNetwork(nn.Module):
    def __init__(self, obs_dim: int, n_actions: int, hidden: int = 32) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(obs_dim, hidden), nn.ReLU(), nn.Linear(hidden, n_actions))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def select_action(policy: QNetwork, state: np.ndarray, epsilon: float) -> int:
    if random.random() < epsilon:
        return random.randrange(N_ACTIONS)
    policy.eval()
    with torch.no_grad():
        q = policy(torch.as_tensor(state).unsqueeze(0))
    policy.train()
    return int(q.argmax(dim=1).item())


def td_update(policy, target, optimizer, buffer: ReplayBuffer, batch_size: int, gamma: float) -> float:
    states, actions, rewards, next_states, dones = buffer.sample(batch_size)
    q_taken = policy(states).gather(1, actions.unsqueeze(1)).squeeze(1)
    with torch.no_grad():
        next_q = target(next_states).max(dim=1).values
        expected = rewards + gamma * next_q * (1.0 - dones)
    loss = F.smooth_l1_loss(q_taken, expected)
    optimizer.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(policy.parameters(), 10.0)
    optimizer.step()
    return loss.item()


def greedy_return(policy: QNetwork, env: Corridor) -> float:
    state, done, total = env.reset(), False, 0.0
    while not done:
        state, reward, done = env.step(select_action(policy, state, epsilon=0.0))
        total += reward
    return total


def run_dqn() -> None:
    random.seed(5)
    torch.manual_seed(5)
    env = Corridor()
    policy, target = QNetwork(N_CELLS, N_ACTIONS), QNetwork(N_CELLS, N_ACTIONS)
    target.load_state_dict(policy.state_dict())
    target.eval()
    optimizer = torch.optim.Adam(policy.parameters(), lr=5e-3)
    buffer = ReplayBuffer(2000)

    steps = 0
    for episode in range(25):
        state, done = env.reset(), False
        epsilon = max(0.05, 1.0 - episode / 15)
        while not done:
            action = select_action(policy, state, epsilon)
            next_state, reward, done = env.step(action)
            buffer.push(Transition(state, action, reward, next_state, done))
            state = next_state
            steps += 1
            if len(buffer) >= 64:
                td_update(policy, target, optimizer, buffer, batch_size=64, gamma=0.95)
            if steps % 50 == 0:
                target.load_state_dict(policy.state_dict())
    print(f"greedy return after training: {greedy_return(policy, env):.2f}")


N_CONTEXTS = 4
N_ARMS = 3


class ContextualBandit:
    """The best arm for context c is c % N_ARMS; rewards are noisy."""

    def __init__(self, generator: torch.Generator) -> None:
        self.generator = generator

    def context(self, n: int) -> torch.Tensor:
        return torch.randint(0, N_CONTEXTS, (n,), generator=self.generator)

    def reward(self, contexts: torch.Tensor, arms: torch.Tensor) -> torch.Tensor:
        best = contexts % N_ARMS
        noise = 0.1 * torch.randn(len(arms), generator=self.generator)
        return (arms == best).float() + noise


class Policy(nn.Module):
    def __init__(self, hidden: int = 16) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Embedding(N_CONTEXTS, hidden), nn.Tanh(), nn.Linear(hidden, N_ARMS))

    def forward(self, contexts: torch.Tensor) -> Categorical:
        return Categorical(logits=self.net(contexts))


class Baseline(nn.Module):
    def __init__(self, hidden: int = 16) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Embedding(N_CONTEXTS, hidden), nn.Tanh(), nn.Linear(hidden, 1))

    def forward(self, contexts: torch.Tensor) -> torch.Tensor:
        return self.net(contexts).squeeze(-1)


def update(policy, baseline, opt_pi, opt_v, contexts, arms, rewards, entropy_coef: float = 0.01):
    dist = policy(contexts)
    values = baseline(contexts)
    advantage = rewards - values.detach()
    advantage = (advantage - advantage.mean()) / (advantage.std() + 1e-8)
    policy_loss = -(dist.log_prob(arms) * advantage).mean() - entropy_coef * dist.entropy().mean()
    value_loss = F.mse_loss(values, rewards)

    opt_pi.zero_grad()
    policy_loss.backward()
    opt_pi.step()
    opt_v.zero_grad()
    value_loss.backward()
    opt_v.step()
    return policy_loss.item(), value_loss.item()


@torch.no_grad()
def greedy_accuracy(policy: Policy) -> float:
    contexts = torch.arange(N_CONTEXTS)
    chosen = policy(contexts).probs.argmax(dim=1)
    return (chosen == contexts % N_ARMS).float().mean().item()


def run_reinforce() -> None:
    torch.manual_seed(24)
    env = ContextualBandit(torch.Generator().manual_seed(24))
    policy, baseline = Policy(), Baseline()
    opt_pi = torch.optim.Adam(policy.parameters(), lr=3e-2)
    opt_v = torch.optim.Adam(baseline.parameters(), lr=3e-2)
    for step in range(50):
        contexts = env.context(64)
        with torch.no_grad():
            arms = policy(contexts).sample()
        rewards = env.reward(contexts, arms)
        pi_loss, v_loss = update(policy, baseline, opt_pi, opt_v, contexts, arms, rewards)
        if step % 20 == 0:
            print(f"step {step}: mean reward {rewards.mean().item():.2f}, value loss {v_loss:.3f}")
    print(f"greedy policy picks the best arm in {greedy_accuracy(policy):.0%} of contexts")


def main() -> None:
    run_dqn()
    run_reinforce()


if __name__ == "__main__":
    main()
