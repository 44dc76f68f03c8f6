from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import keep_model_after_load as recipe

HELPER = '''\
import tempfile
from pathlib import Path

import torch
import torch.nn as nn


def build():
    return nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 2))


def load_model(path):
    model = build()
    return model.load_state_dict(torch.load(path, weights_only=True))


torch.manual_seed(0)
trained = build()
path = Path(tempfile.mkdtemp()) / "clf.pt"
torch.save(trained.state_dict(), path)

model = load_model(path)
model.eval()
x = torch.randn(5, 6)
with torch.no_grad():
    predictions = model(x).argmax(1)
'''

# The weights used for prediction are the trained ones, not a fresh initialisation.
SAME_WEIGHTS = "assert torch.equal(model(x), trained(x)) and predictions.shape == (5,)\n"

CONFIG = '''\
import argparse
import os
import tempfile

import torch
import torch.nn as nn


class Regressor(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(3, hidden), nn.Tanh(), nn.Linear(hidden, 1))

    def forward(self, x):
        return self.body(x)


parser = argparse.ArgumentParser()
parser.add_argument("--hidden", type=int, default=12)
parser.add_argument("--checkpoint", default=os.path.join(tempfile.mkdtemp(), "reg.pt"))
args = parser.parse_args([])

torch.manual_seed(1)
reference = Regressor(args.hidden)
torch.save({"model": reference.state_dict()}, args.checkpoint)

model = Regressor(args.hidden).load_state_dict(torch.load(args.checkpoint)["model"], strict=True)
inputs = torch.randn(8, 3)
outputs = model(inputs)
'''


def test_a_helper_returns_the_model_it_loaded(sandbox):
    patched = patch(recipe, HELPER, sandbox.facts(HELPER, "AttributeError"))
    assert ("    model.load_state_dict(torch.load(path, weights_only=True))\n    return model\n") in patched
    sandbox.assert_clean(patched + SAME_WEIGHTS)


def test_a_chained_constructor_is_built_then_loaded(sandbox):
    patched = patch(recipe, CONFIG, sandbox.facts(CONFIG, "TypeError"))
    assert ("model = Regressor(args.hidden)\n"
            'model.load_state_dict(torch.load(args.checkpoint)["model"], strict=True)\n') in patched
    sandbox.assert_clean(patched + "assert torch.equal(outputs, reference(inputs))\n")


def test_the_plain_reassignment_becomes_a_call(sandbox):
    broken = ("import torch\nimport torch.nn as nn\nnet = nn.Linear(2, 2)\nsd = nn.Linear(2, 2).state_dict()\n"
              "net = net.load_state_dict(sd)  # load\nnet = net.to('cpu')\n")
    patched = patch(recipe, broken, sandbox.facts(broken, "AttributeError"))
    assert "\nnet.load_state_dict(sd)  # load\n" in patched
    sandbox.assert_clean(patched + "assert torch.equal(net.weight, sd['weight'])\n")


def test_a_kept_report_or_an_optimizer_load_is_not_touched():
    facts = Facts("AttributeError", "'_IncompatibleKeys' object has no attribute 'eval'")
    code = ("report = model.load_state_dict(sd, strict=False)\nopt = opt.load_state_dict(osd)\n"
            "model = model.to('cpu')\n")
    assert not applies(recipe, code, facts)


def test_a_chained_move_is_applied_to_the_loaded_model(sandbox):
    broken = ('''\
import torch
import torch.nn as nn

device = "cpu"
source = nn.GRU(4, 6)
encoder = nn.GRU(4, 6)
encoder = encoder.load_state_dict(source.state_dict()).to(device)
output, hidden = encoder(torch.randn(3, 2, 4))
''')
    patched = patch(recipe, broken, sandbox.facts(broken, "AttributeError"))
    assert "encoder.load_state_dict(source.state_dict())\nencoder = encoder.to(device)\n" in patched
    sandbox.assert_clean(patched + "x = torch.randn(3, 2, 4)\nassert torch.equal(encoder(x)[0], source(x)[0])\n")
