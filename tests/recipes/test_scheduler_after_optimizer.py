from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import scheduler_after_optimizer as recipe

WARNED = "Detected call of `lr_scheduler.step()` before `optimizer.step()`"

EPOCH_SCHEDULE = '''\
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
loader = DataLoader(TensorDataset(torch.randn(64, 8), torch.randn(64, 1)), batch_size=16)

rates = []
for epoch in range(3):
    # set this epoch's learning rate
    scheduler.step()
    rates.append(optimizer.param_groups[0]["lr"])
    for x, y in loader:
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
    print(epoch, loss.item())
'''

# The schedule starts at the configured rate and decays once per finished epoch.
FROM_THE_FIRST_RATE = '''
assert rates == [0.1, 0.05, 0.025], rates
'''


def test_an_epoch_schedule_steps_after_the_epochs_updates(sandbox):
    patched = patch(recipe, EPOCH_SCHEDULE, sandbox.warning_facts(EPOCH_SCHEDULE, "UserWarning"))
    assert ("        optimizer.step()\n    # set this epoch's learning rate\n    scheduler.step()\n"
            "    print(epoch, loss.item())\n") in patched
    sandbox.assert_clean(patched + FROM_THE_FIRST_RATE, without_warning=WARNED)


WARMUP_TRAINER = '''\
import torch
from torch import nn


class Trainer:
    """Per-iteration schedule: a one-cycle warm-up over all the steps of the run."""

    def __init__(self, model, steps):
        self.model = model
        self.optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
        self.scheduler = torch.optim.lr_scheduler.OneCycleLR(self.optimizer, max_lr=1e-2, total_steps=steps)
        self.rates = []

    def train_step(self, x, y):
        self.scheduler.step()
        self.rates.append(self.optimizer.param_groups[0]["lr"])   # the rate this update uses
        self.optimizer.zero_grad()
        loss = nn.functional.cross_entropy(self.model(x), y)
        loss.backward()
        self.optimizer.step()
        return loss.item()


torch.manual_seed(0)
trainer = Trainer(nn.Linear(6, 3), steps=10)
x, y = torch.randn(20, 6), torch.randint(0, 3, (20,))
losses = [trainer.train_step(x, y) for _ in range(9)]
'''


# A one-cycle schedule starts at max_lr / div_factor (25 by default) and peaks later.
WARMS_UP_FROM_THE_START = '''
assert abs(trainer.rates[0] - 1e-2 / 25) < 1e-12 and max(trainer.rates) > trainer.rates[0], trainer.rates
'''


def test_a_training_step_steps_the_scheduler_after_the_optimizer(sandbox):
    patched = patch(recipe, WARMUP_TRAINER, sandbox.warning_facts(WARMUP_TRAINER, "UserWarning"))
    assert "        self.optimizer.step()\n        self.scheduler.step()\n        return loss.item()\n" in patched
    sandbox.assert_clean(patched + WARMS_UP_FROM_THE_START, without_warning=WARNED)


HELPER_EPOCHS = '''\
import argparse

import torch
import torch.nn as nn


def train_one_epoch(model, batches, optimizer):
    for x, y in batches:
        optimizer.zero_grad()
        nn.functional.mse_loss(model(x), y).backward()
        optimizer.step()


def main(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--lr", type=float, default=0.2)
    args = parser.parse_args(argv)
    torch.manual_seed(0)
    model = nn.Linear(5, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    batches = [(torch.randn(8, 5), torch.randn(8, 1)) for _ in range(3)]
    used = []
    for epoch in range(args.epochs):
        schedule.step()
        used.append(optimizer.param_groups[0]["lr"])
        train_one_epoch(model, batches, optimizer)
    return used


used = main([])
'''

# The cosine schedule is used from its start value (the configured lr) down, one value per epoch.
COSINE_FROM_THE_START = '''
assert used[0] == 0.2 and used == sorted(used, reverse=True) and len(set(used)) == 4, used
'''


def test_the_step_moves_after_the_helper_the_optimizer_is_passed_to(sandbox):
    patched = patch(recipe, HELPER_EPOCHS, sandbox.warning_facts(HELPER_EPOCHS, "UserWarning"))
    assert ('        used.append(optimizer.param_groups[0]["lr"])\n'
            "        train_one_epoch(model, batches, optimizer)\n        schedule.step()\n    return used\n") in patched
    sandbox.assert_clean(patched + COSINE_FROM_THE_START, without_warning=WARNED)


AMP_IN_ORDER = '''\
import torch
scaler = torch.amp.GradScaler()
optimizer = torch.optim.SGD(params, lr=0.1)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1)
for x, y in loader:
    scaler.scale(loss_fn(model(x), y)).backward()
    scaler.step(optimizer)
    scaler.update()
    scheduler.step()
'''


def test_the_right_order_with_a_grad_scaler_is_left_alone():
    facts = Facts("UserWarning", WARNED)
    assert not applies(recipe, AMP_IN_ORDER, facts)
    wrong = AMP_IN_ORDER.replace("    scheduler.step()\n", "").replace("for x, y in loader:\n",
                                                                      "for x, y in loader:\n    scheduler.step()\n")
    assert "    scaler.step(optimizer)\n    scheduler.step()\n    scaler.update()\n" in patch(recipe, wrong, facts)
    once = "import torch\nopt = torch.optim.SGD(p, lr=1)\ns = torch.optim.lr_scheduler.StepLR(opt, 1)\ns.step()\nopt.step()\n"
    assert not applies(recipe, once, facts)   # a single step before training, at module level


GLOBAL_OPTIMIZER_HELPER = '''\
import torch
from torch.optim.lr_scheduler import ExponentialLR


def make_optimizer(model):
    return torch.optim.SGD(model.parameters(), lr=0.1)


torch.manual_seed(0)
model = torch.nn.Linear(3, 1)
opt = make_optimizer(model)
decay = ExponentialLR(opt, gamma=0.5)
x, y = torch.randn(16, 3), torch.randn(16, 1)
used = []


def run_epoch():
    opt.zero_grad()
    torch.nn.functional.mse_loss(model(x), y).backward()
    opt.step()


for epoch in range(4):
    decay.step()
    used.append(opt.param_groups[0]["lr"])
    run_epoch()
'''


def test_an_optimizer_from_a_helper_stepped_in_a_function_of_the_file(sandbox):
    patched = patch(recipe, GLOBAL_OPTIMIZER_HELPER, sandbox.warning_facts(GLOBAL_OPTIMIZER_HELPER, "UserWarning"))
    assert '    used.append(opt.param_groups[0]["lr"])\n    run_epoch()\n    decay.step()\n' in patched
    check = "assert used == [0.1, 0.05, 0.025, 0.0125], used   # from the configured rate on\n"
    sandbox.assert_clean(patched + check, without_warning=WARNED)
