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


HELPER_SCRIPT = '''\
import argparse

import torch
import torch.nn as nn


def options(argv):
    cli = argparse.ArgumentParser()
    cli.add_argument("--base-lr", default="2e-3")
    return cli.parse_args(argv)


def make_optimizer(net, rate):
    return torch.optim.AdamW(net.parameters(), rate)


args = options(["--base-lr", "4e-3"])
net = nn.Linear(6, 3)
opt = make_optimizer(net, args.base_lr)
assert opt.param_groups[0]["lr"] == 4e-3
'''


def test_a_positional_rate_passed_through_a_helper_is_followed_to_its_option(sandbox):
    patched = patch(recipe, HELPER_SCRIPT, sandbox.facts(HELPER_SCRIPT, "TypeError"))
    assert '    cli.add_argument("--base-lr", default="2e-3", type=float)\n' in patched
    assert "return torch.optim.AdamW(net.parameters(), rate)\n" in patched
    sandbox.assert_clean(patched)


ENVIRONMENT_SCRIPT = '''\
import os

import torch
import torch.nn as nn

STEP = os.environ.get("STEP_SIZE", "0.2")


class Fitter:
    def __init__(self, model, step):
        self.model = model
        self.step = step
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=self.step, momentum=0.5)


fitter = Fitter(nn.Linear(2, 1), STEP)
x, y = torch.randn(16, 2), torch.randn(16, 1)
for _ in range(3):
    loss = nn.functional.mse_loss(fitter.model(x), y)
    fitter.optimizer.zero_grad()
    loss.backward()
    fitter.optimizer.step()
assert fitter.optimizer.param_groups[0]["lr"] == 0.2
'''


def test_an_environment_variable_is_converted_where_it_is_read(sandbox):
    patched = patch(recipe, ENVIRONMENT_SCRIPT, sandbox.facts(ENVIRONMENT_SCRIPT, "TypeError"))
    assert 'STEP = float(os.environ.get("STEP_SIZE", "0.2"))\n' in patched
    assert "lr=self.step, momentum=0.5)" in patched
    sandbox.assert_clean(patched)


SECTION_SCRIPT = '''\
import configparser

import torch

settings = configparser.ConfigParser()
settings.read_string("[adam]\\nrate = 5e-3\\nb1 = 0.8\\n")
adam = settings["adam"]
rate = adam["rate"]
w = torch.nn.Parameter(torch.zeros(3))
opt = torch.optim.Adam([w], lr=rate, betas=(adam.get("b1"), 0.999))
assert opt.param_groups[0]["lr"] == 5e-3 and opt.param_groups[0]["betas"] == (0.8, 0.999)
'''


def test_config_reads_are_converted_also_inside_betas(sandbox):
    patched = patch(recipe, SECTION_SCRIPT, sandbox.facts(SECTION_SCRIPT, "TypeError"))
    assert 'rate = float(adam["rate"])\n' in patched
    assert 'betas=(float(adam.get("b1")), 0.999))' in patched
    sandbox.assert_clean(patched)


LITERAL_SCRIPT = '''\
import torch
import torch.nn as nn

HPARAMS = {"lr": "1e-2", "wd": 0.0}


def train(cfg):
    model = nn.Linear(4, 1)
    opt = torch.optim.RMSprop(model.parameters(), lr=cfg["lr"], weight_decay=cfg["wd"])
    return opt


opt = train(HPARAMS)
assert opt.param_groups[0]["lr"] == 1e-2
'''


def test_a_number_written_as_text_in_the_config_becomes_the_number(sandbox):
    patched = patch(recipe, LITERAL_SCRIPT, sandbox.facts(LITERAL_SCRIPT, "TypeError"))
    assert 'HPARAMS = {"lr": 1e-2, "wd": 0.0}\n' in patched
    sandbox.assert_clean(patched)


def test_no_match_for_a_loop_variable_or_an_option_with_a_type():
    code = ('import argparse\nimport torch\np = argparse.ArgumentParser()\np.add_argument("--lr", type=float)\n'
            'args = p.parse_args([])\nfor rate in rates:\n    opt = torch.optim.SGD(params, lr=rate, momentum=args.lr)\n')
    facts = Facts("TypeError", "'<' not supported between instances of 'str' and 'float'", line=7, lines=(7,))
    assert not applies(recipe, code, facts)


SPREAD_SCRIPT = '''\
import torch
import torch.nn as nn

CONFIG = {"model": {"width": 8}, "optimizer": {"lr": "3e-3", "weight_decay": "1e-4", "amsgrad": True}}

net = nn.Linear(CONFIG["model"]["width"], 2)
opt = torch.optim.AdamW(net.parameters(), **CONFIG["optimizer"])
group = opt.param_groups[0]
assert group["lr"] == 3e-3 and group["weight_decay"] == 1e-4 and group["amsgrad"]
'''


def test_the_numbers_of_a_config_dict_spread_into_the_optimizer_are_written_as_numbers(sandbox):
    patched = patch(recipe, SPREAD_SCRIPT, sandbox.facts(SPREAD_SCRIPT, "TypeError"))
    assert 'CONFIG = {"model": {"width": 8}, "optimizer": {"lr": 3e-3, "weight_decay": 1e-4, "amsgrad": True}}\n' in patched
    sandbox.assert_clean(patched)
