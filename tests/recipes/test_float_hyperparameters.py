from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import float_hyperparameters as recipe

TRAIN_SCRIPT = '''\
import argparse

import torch
import torch.nn as nn


def parse(argv):
    parser = argparse.ArgumentParser(description="train a small classifier")
    parser.add_argument("--learning-rate", default=0.1, help="step size")
    parser.add_argument("--weight-decay", type=float, default=0.0)
    parser.add_argument("--epochs", type=int, default=5)
    return parser.parse_args(argv)


args = parse(["--learning-rate", "0.05"])
model = nn.Linear(4, 2)
opt = torch.optim.SGD(model.parameters(), lr=args.learning_rate, weight_decay=args.weight_decay)
for epoch in range(args.epochs):
    loss = nn.functional.cross_entropy(model(torch.randn(8, 4)), torch.randint(0, 2, (8,)))
    opt.zero_grad()
    loss.backward()
    opt.step()
'''

# The rate given on the command line is the one the optimizer uses.
SAME_RATE = '''
assert opt.param_groups[0]["lr"] == 0.05
'''


def test_the_option_the_rate_comes_from_gets_a_float_type(sandbox):
    patched = patch(recipe, TRAIN_SCRIPT, sandbox.facts(TRAIN_SCRIPT, "TypeError"))
    assert '    parser.add_argument("--learning-rate", default=0.1, help="step size", type=float)\n' in patched
    assert '    parser.add_argument("--weight-decay", type=float, default=0.0)\n' in patched
    sandbox.assert_clean(patched + SAME_RATE)


def test_a_config_lookup_is_converted_at_the_optimizer(sandbox):
    broken = ('import torch\ncfg = {"optim": {"lr": "1e-3"}}\nnet = torch.nn.Linear(3, 1)\n'
              'opt = torch.optim.Adam(net.parameters(), lr=cfg["optim"]["lr"])\n'
              'assert opt.param_groups[0]["lr"] == 1e-3\n')
    patched = patch(recipe, broken, sandbox.facts(broken, "TypeError"))
    assert 'opt = torch.optim.Adam(net.parameters(), lr=float(cfg["optim"]["lr"]))' in patched
    sandbox.assert_clean(patched)


def test_no_match_when_the_rate_is_not_from_a_config():
    code = "import torch\nopt = torch.optim.SGD(params, lr=rate)\n"
    facts = Facts("TypeError", "'<=' not supported between instances of 'float' and 'str'", line=2, lines=(2,))
    assert not applies(recipe, code, facts)
