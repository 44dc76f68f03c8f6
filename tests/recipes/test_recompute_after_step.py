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



def patched_for(sandbox, source: str) -> str:
    """The recipe's patch for the error the source raises when it runs."""
    patched = patch(recipe, source, sandbox.facts(source, "RuntimeError"))
    assert patched is not None, "the recipe does not apply"
    return patched

DCGAN_LOSS_AFTER_THE_STEP = '''\
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
netG = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 4))
netD = nn.Sequential(nn.Linear(4, 32), nn.LeakyReLU(0.2), nn.Linear(32, 1))
optimizerD = torch.optim.Adam(netD.parameters(), lr=2e-4, betas=(0.5, 0.999))
optimizerG = torch.optim.Adam(netG.parameters(), lr=2e-4, betas=(0.5, 0.999))
criterion = nn.BCEWithLogitsLoss()
loader = DataLoader(TensorDataset(torch.randn(64, 4)), batch_size=16, shuffle=True)

for epoch in range(2):
    for i, (real,) in enumerate(loader):
        b = real.size(0)
        fake = netG(torch.randn(b, 8))
        output_fake = netD(fake)
        errD = criterion(netD(real), torch.ones(b, 1)) + criterion(output_fake, torch.zeros(b, 1))
        netD.zero_grad()
        errD.backward(retain_graph=True)
        optimizerD.step()

        errG = criterion(output_fake, torch.ones(b, 1))
        netG.zero_grad()
        errG.backward()
        optimizerG.step()
'''

# The generator loss is the stepped discriminator's verdict on the same fakes.
UPDATED_VERDICT = '''
with torch.no_grad():
    assert torch.allclose(errG, criterion(netD(fake), torch.ones(b, 1)))
'''


def test_the_forward_is_recomputed_when_the_loss_is_written_after_the_step(sandbox):
    patched = patched_for(sandbox, DCGAN_LOSS_AFTER_THE_STEP)
    assert ("        optimizerD.step()\n        output_fake = netD(fake)\n\n"
            "        errG = criterion(output_fake, torch.ones(b, 1))\n") in patched
    assert patched.count("errG = ") == 1
    sandbox.assert_clean(patched + UPDATED_VERDICT)


LOSSES_FROM_A_HELPER = '''\
import torch
import torch.nn as nn


def gan_losses(G, D, real, z):
    bce = nn.BCELoss()
    p_fake = D(G(z))
    p_real = D(real)
    loss_d = bce(p_real, torch.ones_like(p_real)) + bce(p_fake, torch.zeros_like(p_fake))
    loss_g = bce(p_fake, torch.ones_like(p_fake))
    return loss_d, loss_g


torch.manual_seed(0)
G = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 2))
D = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 1), nn.Sigmoid())
opt_G = torch.optim.SGD(G.parameters(), lr=0.05)
opt_D = torch.optim.SGD(D.parameters(), lr=0.05)
for step in range(3):
    real, z = torch.randn(16, 2) * 0.3 + 1.0, torch.randn(16, 4)
    loss_d, loss_g = gan_losses(G, D, real, z)
    opt_D.zero_grad()
    loss_d.backward(retain_graph=True)
    opt_D.step()
    opt_G.zero_grad()
    loss_g.backward()
    opt_G.step()
'''

# A module as it was before its last plain SGD step (no momentum: old = new + lr * grad).
BEFORE_ITS_STEP = '''
from torch.func import functional_call


def before_its_step(module, lr, *inputs):
    with torch.no_grad():
        weights = {name: p + lr * p.grad for name, p in module.named_parameters()}
        return functional_call(module, weights, inputs)
'''

# The generator loss came from the stepped D and the generator as it was before its own step.
HELPER_VERDICT = BEFORE_ITS_STEP + '''
with torch.no_grad():
    p_fake = D(before_its_step(G, 0.05, z))
    assert torch.allclose(loss_g, nn.BCELoss()(p_fake, torch.ones_like(p_fake)))
'''


def test_a_helper_given_the_stepped_network_is_called_again_for_the_loss_it_returns(sandbox):
    patched = patched_for(sandbox, LOSSES_FROM_A_HELPER)
    assert "    opt_D.step()\n    _, loss_g = gan_losses(G, D, real, z)\n    opt_G.zero_grad()\n" in patched
    sandbox.assert_clean(patched + HELPER_VERDICT)


CLIPPED_CRITIC_INLINE_LOSS = '''\
import torch
from torch import nn, optim

torch.manual_seed(3)
gen = nn.Sequential(nn.Linear(5, 32), nn.ReLU(), nn.Linear(32, 3))
dis = nn.Sequential(nn.Linear(3, 32), nn.ReLU(), nn.Linear(32, 1))
g_optimizer = optim.RMSprop(params=gen.parameters(), lr=5e-4)
d_optimizer = optim.RMSprop(params=dis.parameters(), lr=5e-4)
real_data = torch.randn(200, 3) * 2

for it in range(3):
    real = real_data[torch.randint(0, 200, (20,))]
    fake = gen(torch.randn(20, 5))
    score_fake = dis(fake)
    d_loss = (score_fake.mean()
              - dis(real).mean())
    d_optimizer.zero_grad()
    d_loss.backward(retain_graph=True)
    d_optimizer.step()
    for p in dis.parameters():
        p.data.clamp_(-0.05, 0.05)

    g_optimizer.zero_grad()
    (-score_fake.mean()).backward()
    g_optimizer.step()
'''

# The generator was trained on the critic as clipped, not on its weights between step and clip.
CLIPPED_VERDICT = '''
with torch.no_grad():
    assert all(p.abs().max() <= 0.05 for p in dis.parameters())
    assert torch.allclose(score_fake, dis(fake))
'''


def test_the_fresh_forward_follows_the_weight_clipping_after_the_step(sandbox):
    patched = patched_for(sandbox, CLIPPED_CRITIC_INLINE_LOSS)
    assert "        p.data.clamp_(-0.05, 0.05)\n    score_fake = dis(fake)\n\n    g_optimizer.zero_grad()\n" in patched
    sandbox.assert_clean(patched + CLIPPED_VERDICT)


SAMPLED_ACTIONS = '''\
import torch
from torch import nn
from torch.distributions import Categorical

torch.manual_seed(1)
trunk = nn.Sequential(nn.Linear(4, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU())
actor_head = nn.Linear(32, 2)
critic_head = nn.Linear(32, 1)
critic_optim = torch.optim.SGD([*trunk.parameters(), *critic_head.parameters()], lr=0.1)
actor_optim = torch.optim.SGD(actor_head.parameters(), lr=0.1)
obs = torch.randn(12, 4)

for it in range(2):
    h = trunk(obs)
    dist = Categorical(logits=actor_head(h))
    act = dist.sample()
    rewards = (act == (obs[:, 0] > 0).long()).float()   # the environment answers the actions taken
    taken = act.clone()
    value = critic_head(h).squeeze(-1)
    value_loss = (rewards - value).pow(2).mean()
    policy_loss = -(dist.log_prob(act) * (rewards - value.detach())).mean()

    critic_optim.zero_grad()
    value_loss.backward(retain_graph=True)
    critic_optim.step()

    actor_optim.zero_grad()
    policy_loss.backward()
    actor_optim.step()
'''

# The policy loss is that of the actions the rewards answered, through the critic-updated trunk,
# with the actor head as it was before its own step.
SAME_ACTIONS = BEFORE_ITS_STEP + '''
with torch.no_grad():
    h = trunk(obs)
    logits = before_its_step(actor_head, 0.1, h)
    baseline = critic_head(h).squeeze(-1)
    expected = -(Categorical(logits=logits).log_prob(taken) * (rewards - baseline)).mean()
    assert torch.allclose(policy_loss, expected, atol=1e-6)
'''


def test_the_actions_already_sampled_are_not_drawn_again(sandbox):
    patched = patched_for(sandbox, SAMPLED_ACTIONS)
    assert patched.count("act = dist.sample()") == 1
    assert "    critic_optim.step()\n    h = trunk(obs)\n    dist = Categorical(logits=actor_head(h))\n" in patched
    sandbox.assert_clean(patched + SAME_ACTIONS)
