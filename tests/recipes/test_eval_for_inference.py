from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import eval_for_inference as recipe

AGENT = '''\
import torch
import torch.nn as nn

class Actor(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(3, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 2))

    def forward(self, obs):
        return torch.tanh(self.body(obs))

class Agent:
    def __init__(self):
        self.actor = Actor()

    def act(self, obs):
        with torch.no_grad():
            action = self.actor(obs.unsqueeze(0))
        return action.squeeze(0)

agent = Agent()
print(agent.act(torch.randn(3)))
'''

TRAINING_STEP = '''\
import torch
import torch.nn as nn
net = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
loss = net(torch.randn(1, 3)).sum()
loss.backward()
'''


def test_switches_to_eval_around_no_grad_and_back(sandbox):
    facts = sandbox.facts(AGENT, "ValueError")
    patched = patch(recipe, AGENT, facts)
    assert ("        self.actor.eval()\n        with torch.no_grad():\n            action = self.actor(obs.unsqueeze(0))\n"
            "        self.actor.train()\n") in patched
    sandbox.assert_clean(patched)


def test_predict_function_without_no_grad(sandbox):
    broken = ("import torch\nfrom torch import nn\nmodel = nn.Sequential(nn.Linear(5, 8), nn.BatchNorm1d(8))\n\n"
              "def predict(x):\n    scores = model(x[None])\n    return scores.argmax().item()\n\nprint(predict(torch.randn(5)))\n")
    patched = patch(recipe, broken, sandbox.facts(broken, "ValueError"))
    assert "    model.eval()\n    scores = model(x[None])\n    model.train()\n" in patched
    sandbox.assert_clean(patched)


def test_does_not_apply_to_a_training_step(sandbox):
    facts = sandbox.facts(TRAINING_STEP, "ValueError")
    assert not applies(recipe, TRAINING_STEP, facts)
    assert patch(recipe, TRAINING_STEP, facts) is None


def test_needs_the_failing_lines():
    message = "Expected more than 1 value per channel when training, got input size torch.Size([1, 4])"
    assert not applies(recipe, TRAINING_STEP, Facts("ValueError", message))
