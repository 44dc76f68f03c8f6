from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import build_model_then_load as recipe

PREDICT = '''\
import os
import tempfile

import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.fc = nn.Linear(dim, dim)

    def forward(self, x):
        return torch.relu(self.fc(x)) + x


class Net(nn.Module):
    def __init__(self, dim=6, classes=3, depth=1):
        super().__init__()
        self.blocks = nn.Sequential(*[Block(dim) for _ in range(depth)])
        self.head = nn.Linear(dim, classes)

    def forward(self, x):
        return self.head(self.blocks(x))


def train(model, steps=5):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(steps):
        x, y = torch.randn(8, 6), torch.randint(0, 4, (8,))
        loss = nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def predict(path, x):
    model = torch.load(path, map_location="cpu", weights_only=True)   # the weights file
    model.eval()
    with torch.no_grad():
        return model(x).argmax(1)


torch.manual_seed(0)
trained = Net(classes=4, depth=2)
train(trained)
path = os.path.join(tempfile.mkdtemp(), "net.pth")
torch.save(trained.state_dict(), path)
x = torch.randn(5, 6)
labels = predict(path, x)
'''

# The trained weights predict, in a model of the trained configuration.
PREDICTED = '''
trained.eval()
assert torch.equal(labels, trained(x).argmax(1))
'''


def test_the_saved_model_is_rebuilt_and_loaded(sandbox):
    patched = patch(recipe, PREDICT, sandbox.facts(PREDICT, "AttributeError"))
    assert ('    model = Net(classes=4, depth=2)   # the weights file\n'
            '    model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))\n'
            '    model.eval()\n') in patched
    sandbox.assert_clean(patched + PREDICTED)


CALLED = '''\
import io
import torch
from torch import nn


class TinyMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))

    def forward(self, x):
        return self.layers(x)


torch.manual_seed(0)
buffer = io.BytesIO()
original = TinyMLP()
torch.save(original.state_dict(), buffer)
buffer.seek(0)
net = torch.load(buffer)
scores = net(torch.ones(2, 4))
'''


def test_a_state_dict_called_like_a_model(sandbox):
    patched = patch(recipe, CALLED, sandbox.facts(CALLED, "TypeError"))
    assert "net = TinyMLP()\nnet.load_state_dict(torch.load(buffer))\n" in patched
    sandbox.assert_clean(patched + "assert torch.equal(scores, original(torch.ones(2, 4)))\n")


TWO_MODELS = '''\
class Generator(nn.Module):
    pass
class Critic(nn.Module):
    pass
torch.save(Generator().state_dict(), "g.pth")
torch.save(Critic().state_dict(), "c.pth")
model = torch.load("g.pth")
model.eval()
'''


def test_which_of_two_saved_models_it_is_is_not_guessed():
    facts = Facts("AttributeError", "'collections.OrderedDict' object has no attribute 'eval'", line=8, lines=(8,))
    assert not applies(recipe, TWO_MODELS, facts)
    one_model = TWO_MODELS.replace('torch.save(Critic().state_dict(), "c.pth")', 'critic = Critic')
    assert applies(recipe, one_model, facts)


def test_a_plain_dict_is_a_wrapper_not_weights():
    code = "class Net(nn.Module):\n    pass\nmodel = torch.load('ckpt.pth')\nmodel.eval()\n"
    assert not applies(recipe, code, Facts("AttributeError", "'dict' object has no attribute 'eval'", line=4, lines=(4,)))
