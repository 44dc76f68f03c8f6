from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import drop_scheduler_verbose as recipe

TRAINING = '''\
import torch
import torch.nn as nn
from torch.optim.lr_scheduler import StepLR

CONFIG = {"lr": 0.1, "step_size": 2, "gamma": 0.5, "epochs": 6}


def make_scheduler(optimizer, config):
    return StepLR(
        optimizer,
        step_size=config["step_size"],
        gamma=config["gamma"],
        verbose=True,
    )


torch.manual_seed(0)
model = nn.Linear(10, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=CONFIG["lr"])
scheduler = make_scheduler(optimizer, CONFIG)
x, y = torch.randn(64, 10), torch.randn(64, 1)
rates = []
for epoch in range(CONFIG["epochs"]):
    loss = nn.functional.mse_loss(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    scheduler.step()
    rates.append(scheduler.get_last_lr()[0])
'''


def test_the_removed_argument_is_dropped_and_the_schedule_kept(sandbox):
    patched = patch(recipe, TRAINING, sandbox.facts(TRAINING, "TypeError"))
    assert ('    return StepLR(\n        optimizer,\n        step_size=config["step_size"],\n'
            '        gamma=config["gamma"],\n    )\n') in patched
    sandbox.assert_clean(patched + "assert rates == [0.1, 0.05, 0.05, 0.025, 0.025, 0.0125]\n")


def test_only_the_scheduler_the_message_names():
    facts = Facts("TypeError", "ReduceLROnPlateau.__init__() got an unexpected keyword argument 'verbose'")
    code = "s = ReduceLROnPlateau(opt, patience=2, verbose=True)\nlog = Logger(verbose=True)\n"
    assert patch(recipe, code, facts) == "s = ReduceLROnPlateau(opt, patience=2)\nlog = Logger(verbose=True)\n"
    assert not applies(recipe, "log = Logger(verbose=True)\n", facts)
