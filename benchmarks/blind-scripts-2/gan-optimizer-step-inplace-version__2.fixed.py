# Advantage actor-critic update on a batch of logged transitions (separate actor and critic optimizers).
import torch
import torch.nn as nn
from torch.distributions import Categorical

torch.manual_seed(0)
OBS, ACTIONS, GAMMA = 6, 3, 0.99


class Actor(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(OBS, 32), nn.Tanh(), nn.Linear(32, ACTIONS))

    def forward(self, obs):
        return Categorical(logits=self.net(obs))


class Critic(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(OBS, 32), nn.Tanh(), nn.Linear(32, 1))

    def forward(self, obs):
        return self.net(obs).squeeze(-1)


def discounted_returns(rewards, gamma=GAMMA):
    out, running = torch.zeros_like(rewards), 0.0
    for t in reversed(range(len(rewards))):
        running = rewards[t] + gamma * running
        out[t] = running
    return out


def update(actor, critic, actor_opt, critic_opt, obs, actions, rewards):
    returns = discounted_returns(rewards)
    values = critic(obs)
    log_probs = actor(obs).log_prob(actions)

    advantage = (returns - values).detach()
    critic_loss = nn.functional.mse_loss(values, returns)
    critic_opt.zero_grad()
    critic_loss.backward()
    critic_opt.step()

    actor_loss = -(log_probs * advantage).mean()
    actor_opt.zero_grad()
    actor_loss.backward()
    actor_opt.step()
    return actor_loss.item(), critic_loss.item()


actor, critic = Actor(), Critic()
actor_opt = torch.optim.Adam(actor.parameters(), lr=1e-3)
critic_opt = torch.optim.Adam(critic.parameters(), lr=1e-3)
obs = torch.randn(20, OBS)
actions = torch.arange(20) % ACTIONS
rewards = (actions == 1).float()
for it in range(3):
    a_loss, c_loss = update(actor, critic, actor_opt, critic_opt, obs, actions, rewards)
    print(f"iter {it}: actor {a_loss:.4f} critic {c_loss:.4f}")
assert all(p.grad is not None for p in actor.parameters()) and c_loss == c_loss
print(f"RESULT actor_loss={a_loss:.4f} critic_loss={c_loss:.4f}")
