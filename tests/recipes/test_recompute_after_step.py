from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import recompute_after_step as recipe

GAN = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)
generator = nn.Sequential(nn.Linear(3, 12), nn.ReLU(), nn.Linear(12, 2))
critic = nn.Sequential(nn.Linear(2, 12), nn.LeakyReLU(0.2), nn.Linear(12, 1))
opt_gen, opt_critic = torch.optim.Adam(generator.parameters(), lr=2e-4), torch.optim.Adam(critic.parameters(), lr=2e-4)
loss_fn = nn.BCEWithLogitsLoss()
data = torch.randn(256, 2) * 0.5 + torch.tensor([2.0, -1.0])

for epoch in range(2):
    for batch in data.split(64):
        noise = torch.randn(len(batch), 3)
        fake = generator(noise)
        fake_score = critic(fake)
        critic_loss = loss_fn(critic(batch), torch.ones(len(batch), 1)) + loss_fn(fake_score, torch.zeros(len(batch), 1))
        gen_loss = loss_fn(fake_score, torch.ones(len(batch), 1))

        opt_critic.zero_grad()
        critic_loss.backward(retain_graph=True)
        opt_critic.step()

        opt_gen.zero_grad()
        gen_loss.backward()
        opt_gen.step()
'''

# The generator loss of the last batch is the updated critic's verdict on the same samples.
FRESH_VERDICT = '''
with torch.no_grad():
    assert torch.allclose(gen_loss, loss_fn(critic(fake), torch.ones(len(batch), 1)))
assert all(p.grad is not None for p in generator.parameters())
'''

ACTOR_CRITIC = '''\
import torch
import torch.nn as nn
import torch.nn.functional as F


class Agent(nn.Module):
    def __init__(self, obs=5, actions=3):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(obs, 16), nn.Tanh(), nn.Linear(16, 16))
        self.policy = nn.Linear(16, actions)
        self.value = nn.Linear(16, 1)


def update(agent, critic_opt, actor_opt, states, actions, returns):
    features = torch.tanh(agent.encoder(states))
    values = agent.value(features).squeeze(1)
    log_probs = F.log_softmax(agent.policy(features), dim=1).gather(1, actions[:, None]).squeeze(1)
    critic_loss = F.mse_loss(values, returns)
    actor_loss = -(log_probs * (returns - values.detach())).mean()
    critic_opt.zero_grad()
    critic_loss.backward(retain_graph=True)
    critic_opt.step()
    actor_opt.zero_grad()
    actor_loss.backward()
    actor_opt.step()
    return actor_loss


torch.manual_seed(0)
agent = Agent()
critic_opt = torch.optim.SGD(list(agent.encoder.parameters()) + list(agent.value.parameters()), lr=0.1)
actor_opt = torch.optim.SGD(agent.policy.parameters(), lr=0.1)
states, actions, returns = torch.randn(20, 5), torch.randint(0, 3, (20,)), torch.randn(20)
actor_loss = update(agent, critic_opt, actor_opt, states, actions, returns)
'''

# The actor loss used the critic-updated encoder and value head, with the policy as it was
# before its own step (SGD without momentum: old = new + lr * grad).
UPDATED_ENCODER = '''
with torch.no_grad():
    features = torch.tanh(agent.encoder(states))
    values = agent.value(features).squeeze(1)
    weight = agent.policy.weight + 0.1 * agent.policy.weight.grad
    bias = agent.policy.bias + 0.1 * agent.policy.bias.grad
    log_probs = F.log_softmax(F.linear(features, weight, bias), dim=1).gather(1, actions[:, None]).squeeze(1)
    assert torch.allclose(actor_loss, -(log_probs * (returns - values)).mean(), atol=1e-6)
'''


def test_the_generator_loss_is_recomputed_after_the_critic_step(sandbox):
    patched = patch(recipe, GAN, sandbox.facts(GAN, "RuntimeError"))
    assert ("        opt_critic.step()\n        fake_score = critic(fake)\n"
            "        gen_loss = loss_fn(fake_score, torch.ones(len(batch), 1))\n\n        opt_gen.zero_grad()\n") in patched
    sandbox.assert_clean(patched + FRESH_VERDICT)


def test_the_actor_loss_is_recomputed_through_the_updated_encoder(sandbox):
    patched = patch(recipe, ACTOR_CRITIC, sandbox.facts(ACTOR_CRITIC, "RuntimeError"))
    assert "    critic_opt.step()\n    features = torch.tanh(agent.encoder(states))\n" in patched
    assert patched.count("actor_loss = -(log_probs") == 2
    sandbox.assert_clean(patched + UPDATED_ENCODER)


def test_a_step_after_the_last_backward_is_not_this_problem():
    code = ("import torch\nopt = torch.optim.SGD(net.parameters(), lr=0.1)\nout = net(x)\nloss = out.sum()\n"
            "opt.zero_grad()\nloss.backward()\nopt.step()\n")
    facts = Facts("RuntimeError", "one of the variables needed for gradient computation has been modified by an "
                  "inplace operation: [torch.FloatTensor [8, 1]], which is output 0 of AsStridedBackward0, is at "
                  "version 2; expected version 1 instead.", line=6, lines=(6,))
    assert not applies(recipe, code, facts)
