from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import grad_mode_for_training as recipe

STEP_UNDER_NO_GRAD = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)


def train_epoch(model, batches, opt, loss_fn):
    model.train()
    total = 0.0
    for inputs, targets in batches:
        with torch.no_grad():     # copied from the evaluation loop
            outputs = model(inputs)
            loss = loss_fn(outputs, targets)
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item()
    return total / len(batches)


model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 1))
opt = torch.optim.SGD(model.parameters(), lr=0.05)
data = [(torch.randn(16, 6), torch.randn(16, 1)) for _ in range(4)]
first = train_epoch(model, data, opt, nn.MSELoss())
for epoch in range(20):
    last = train_epoch(model, data, opt, nn.MSELoss())
assert last < first       # what was meant: the model trains
'''

INFERENCE_FEATURES = '''\
import torch
from torch import nn
import torch.nn.functional as F

encoder = nn.Linear(8, 4)
x, y = torch.randn(10, 8), torch.randint(0, 4, (10,))
with torch.inference_mode():
    logits = encoder(x)
loss = F.cross_entropy(logits, y)
loss.backward()
assert encoder.weight.grad is not None
'''


def test_unwraps_the_training_step_inside_a_loop(sandbox):
    patched = patch(recipe, STEP_UNDER_NO_GRAD, sandbox.facts(STEP_UNDER_NO_GRAD, "RuntimeError"))
    assert ("    for inputs, targets in batches:\n        outputs = model(inputs)\n"
            "        loss = loss_fn(outputs, targets)\n        opt.zero_grad()\n") in patched
    sandbox.assert_clean(patched)


def test_unwraps_inference_mode_around_the_forward(sandbox):
    patched = patch(recipe, INFERENCE_FEATURES, sandbox.facts(INFERENCE_FEATURES, "RuntimeError"))
    assert "y = torch.randn(10, 8), torch.randint(0, 4, (10,))\nlogits = encoder(x)\nloss =" in patched
    sandbox.assert_clean(patched)


def test_leaves_an_evaluation_block_off_the_loss_path_alone():
    source = ("import torch\nwith torch.no_grad():\n    val = model(x_val)\nloss = (w * 2).sum()\nloss.backward()\n")
    message = "element 0 of tensors does not require grad and does not have a grad_fn"
    assert not applies(recipe, source, Facts("RuntimeError", message, line=5, lines=(5,)))


DECORATED_HELPER = '''\
import torch
import torch.nn as nn


@torch.no_grad()
def embed(encoder, tokens):
    return encoder(tokens).mean(dim=1)


encoder = nn.Embedding(20, 8)
tokens, labels = torch.randint(0, 20, (4, 5)), torch.tensor([0, 1, 1, 0])
features = embed(encoder, tokens)
loss = nn.functional.cross_entropy(features @ torch.ones(8, 2), labels)
loss.backward()
assert encoder.weight.grad is not None
'''


def test_drops_no_grad_from_a_helper_the_loss_is_computed_with(sandbox):
    patched = patch(recipe, DECORATED_HELPER, sandbox.facts(DECORATED_HELPER, "RuntimeError"))
    assert "import torch.nn as nn\n\n\ndef embed(encoder, tokens):\n" in patched
    sandbox.assert_clean(patched)


DECORATED_TRAIN_STEP = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(6, 4), nn.ReLU(), nn.Linear(4, 2))
start = [p.detach().clone() for p in model.parameters()]
opt = torch.optim.SGD(model.parameters(), lr=0.1)


@torch.no_grad()
def train_step(x, y):
    loss = nn.functional.cross_entropy(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss.item()


first = train_step(torch.randn(5, 6), torch.randint(0, 2, (5,)))
'''


def test_a_train_step_that_calls_backward_itself_loses_its_no_grad_decorator(sandbox):
    patched = patch(recipe, DECORATED_TRAIN_STEP, sandbox.facts(DECORATED_TRAIN_STEP, "RuntimeError"))
    assert "@torch.no_grad()" not in patched and "\ndef train_step(x, y):\n" in patched
    trained = "assert all(not torch.equal(p, p0) for p, p0 in zip(model.parameters(), start))\n"
    sandbox.assert_clean(patched + trained)
