"""tensor-truth-value's best-loss rule where the best is kept as a Python number.

The situation: a validation loss with one value per sample (`reduction="none"`) is compared with
the best so far, and the block keeps it as the new best, converted to a number on the way
(`float(val_loss)`, `val_loss.item()`); the comparison asks a many-valued tensor for one truth
value. The loss meant is the mean, as built-in losses reduce by default. Shapes:
- an early-stopping class keeps `self.best = float(val_loss)`;
- a loop keeps `best_loss = val_loss.item()` next to the weights, in a tuple assignment;
- the test asks for a margin of improvement, the block keeps `float(...)` in a tuple.
Left alone: a block that keeps something else than the compared loss.
"""

from tests.recipes.kbfix import applies, facts_on_line, patch
from assistant.repair.recipes import tensor_truth_value as recipe

STOPPER = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)


class EarlyStopper:
    def __init__(self, patience=2):
        self.best, self.bad, self.patience = float("inf"), 0, patience

    def should_stop(self, val_loss):
        if val_loss < self.best:
            self.best, self.bad = float(val_loss), 0
        else:
            self.bad += 1
        return self.bad >= self.patience


x, y = torch.randn(64, 3), torch.randn(64, 1)
model = nn.Linear(3, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
per_sample = nn.L1Loss(reduction="none")
stopper = EarlyStopper()
for epoch in range(10):
    loss = nn.functional.mse_loss(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    with torch.no_grad():
        val = per_sample(model(x), y)
    if stopper.should_stop(val):
        break
'''

ITEM_IN_TUPLE = '''\
import copy
import torch
import torch.nn.functional as F

torch.manual_seed(0)
model = torch.nn.Linear(2, 1)
opt = torch.optim.Adam(model.parameters(), lr=0.05)
x, y = torch.randn(50, 2), torch.randn(50, 1)


def evaluate():
    with torch.no_grad():
        return F.smooth_l1_loss(model(x), y, reduction="none")


best_loss, best_weights = float("inf"), None
for step in range(8):
    opt.zero_grad()
    F.mse_loss(model(x), y).backward()
    opt.step()
    loss_now = evaluate()
    if loss_now <= best_loss:
        best_loss, best_weights = loss_now.item(), copy.deepcopy(model.state_dict())
'''

MARGIN = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)
net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
crit = nn.CrossEntropyLoss(reduction="none")
opt = torch.optim.SGD(net.parameters(), lr=0.1)
x, y = torch.randn(40, 4), torch.randint(0, 2, (40,))
best, since = 1e9, 0
for epoch in range(6):
    opt.zero_grad()
    crit(net(x), y).mean().backward()
    opt.step()
    val_loss = crit(net(x), y).detach()
    if val_loss < best - 1e-3:
        best, since = float(val_loss), 0
    else:
        since += 1
'''


def test_kept_by_float_in_an_early_stopping_class(sandbox):
    patched = patch(recipe, STOPPER, sandbox.facts(STOPPER, "RuntimeError"))
    assert "        if val_loss.mean().item() < self.best:\n" in patched
    assert "self.best, self.bad = val_loss.mean().item(), 0" in patched
    sandbox.assert_clean(patched + "assert isinstance(stopper.best, float) and stopper.best < 5\n")


def test_kept_by_item_in_a_tuple(sandbox):
    patched = patch(recipe, ITEM_IN_TUPLE, sandbox.facts(ITEM_IN_TUPLE, "RuntimeError"))
    assert "best_loss, best_weights = loss_now.mean().item(), copy" in patched
    assert "    if loss_now.mean().item() <= best_loss:\n" in patched
    check = ("model.load_state_dict(best_weights)\n"
             "assert abs(evaluate().mean().item() - best_loss) < 1e-6\n")
    sandbox.assert_clean(patched + check)


def test_kept_by_float_with_a_margin(sandbox):
    patched = patch(recipe, MARGIN, sandbox.facts(MARGIN, "RuntimeError"))
    assert "    if val_loss.mean().item() < best - 1e-3:\n" in patched
    assert "        best, since = val_loss.mean().item(), 0\n" in patched
    sandbox.assert_clean(patched + "assert isinstance(best, float)\n")


def test_a_block_that_keeps_another_value_is_left_alone():
    source = MARGIN.replace("best, since = float(val_loss), 0", "best, since = float(epoch), 0")
    facts = facts_on_line(source, "if val_loss < best", "RuntimeError",
                          "Boolean value of Tensor with more than one value is ambiguous")
    assert not applies(recipe, source, facts)
