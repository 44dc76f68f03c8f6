from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import reconnect_loss_graph as recipe

MULTI_TASK_LOSSES = '''\
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class TwoHeads(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Linear(6, 16)
        self.cls = nn.Linear(16, 3)
        self.reg = nn.Linear(16, 1)

    def forward(self, x):
        h = torch.relu(self.body(x))
        return self.cls(h), self.reg(h)


model = TwoHeads()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
x, labels, values = torch.randn(8, 6), torch.randint(0, 3, (8,)), torch.randn(8, 1)
logits, pred = model(x)
task_losses = []
task_losses.append(F.cross_entropy(logits, labels).item())
task_losses.append(F.mse_loss(pred, values).item())
loss = torch.tensor(sum(task_losses))
opt.zero_grad()
loss.backward()
opt.step()

# what was meant: the sum of both task losses, with gradients into every head
assert torch.allclose(loss, F.cross_entropy(logits, labels) + F.mse_loss(pred, values))
assert model.cls.weight.grad is not None and model.reg.weight.grad is not None
'''

DETACHED_PREDICTION = '''\
import torch
from torch import nn

model = nn.Linear(3, 1)
x, y = torch.randn(10, 3), torch.randn(10, 1)


def predict(batch):
    return model(batch)


pred = predict(x).detach()
loss = ((pred - y) ** 2).mean()
loss.backward()
assert model.weight.grad is not None
'''


def test_collected_losses_are_stacked_as_tensors(sandbox):
    patched = patch(recipe, MULTI_TASK_LOSSES, sandbox.facts(MULTI_TASK_LOSSES, "RuntimeError"))
    assert "task_losses.append(F.cross_entropy(logits, labels))\n" in patched
    assert "task_losses.append(F.mse_loss(pred, values))\n" in patched
    assert "loss = torch.stack(task_losses).sum()\n" in patched
    sandbox.assert_clean(patched)


def test_the_detach_on_the_loss_path_is_dropped(sandbox):
    patched = patch(recipe, DETACHED_PREDICTION, sandbox.facts(DETACHED_PREDICTION, "RuntimeError"))
    assert "pred = predict(x)\n" in patched
    sandbox.assert_clean(patched)


def test_no_match_for_a_detach_off_the_loss_path():
    message = "element 0 of tensors does not require grad and does not have a grad_fn"
    source = ("import torch\nlogged = out.detach()\nwith torch.no_grad():\n    loss = (out ** 2).mean()\n"
              "loss.backward()\n")
    assert not applies(recipe, source, Facts("RuntimeError", message, line=5, lines=(5,)))


MEAN_OF_NUMBERS = '''\
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
model = nn.Linear(4, 2)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
data = [(torch.randn(8, 4), torch.randint(0, 2, (8,))) for _ in range(4)]

for epoch in range(2):
    batch_losses = []
    for x, y in data:
        batch_losses.append(F.cross_entropy(model(x), y).item())
    epoch_loss = torch.tensor(sum(batch_losses) / len(batch_losses))
    opt.zero_grad()
    epoch_loss.backward()
    opt.step()
'''

# The epoch loss is the mean of the batch losses, and its gradient reaches the weights.
MEAN_WITH_GRADIENT = '''
expected = torch.stack([F.cross_entropy(model(x), y) for x, y in data]).mean()
assert epoch_loss.grad_fn is not None and model.weight.grad is not None
assert torch.allclose(epoch_loss, expected, atol=0.2)
'''

NUMPY_MEAN = '''\
import numpy as np
import torch

w = torch.ones(3, requires_grad=True)
errors = []
for x in torch.eye(3):
    errors.append(((w * x).sum() - 2.0).pow(2).item())
total = torch.as_tensor(np.mean(errors))
total.backward()
assert torch.allclose(w.grad, torch.full((3,), -2 / 3))
'''


def test_a_mean_taken_of_collected_numbers_becomes_a_stacked_mean(sandbox):
    patched = patch(recipe, MEAN_OF_NUMBERS, sandbox.facts(MEAN_OF_NUMBERS, "RuntimeError"))
    assert "        batch_losses.append(F.cross_entropy(model(x), y))\n" in patched
    assert "    epoch_loss = torch.stack(batch_losses).mean()\n" in patched
    sandbox.assert_clean(patched + MEAN_WITH_GRADIENT)


def test_a_numpy_mean_of_collected_numbers(sandbox):
    patched = patch(recipe, NUMPY_MEAN, sandbox.facts(NUMPY_MEAN, "RuntimeError"))
    assert "total = torch.stack(errors).mean()\n" in patched
    sandbox.assert_clean(patched)
