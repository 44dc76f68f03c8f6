from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import no_grad_update as recipe

HAND_ROLLED_SGD = '''\
import torch

torch.manual_seed(0)
X = torch.randn(128, 2)
y = 3.0 * X[:, :1] - 2.0 * X[:, 1:] + 0.5

weight = torch.zeros(2, 1, requires_grad=True)
bias = torch.zeros(1, requires_grad=True)
LR = 0.1

for epoch in range(100):
    pred = X @ weight + bias
    loss = ((pred - y) ** 2).mean()
    loss.backward()
    # gradient step
    weight -= LR * weight.grad
    bias -= LR * bias.grad
    weight.grad.zero_()
    bias.grad.zero_()

assert weight.is_leaf and torch.allclose(weight.squeeze(), torch.tensor([3.0, -2.0]), atol=0.05)
assert abs(bias.item() - 0.5) < 0.05
'''

SGD_HELPER = '''\
import torch
import torch.nn as nn


def sgd_step(params, lr):
    for p in params:
        p.add_(p.grad, alpha=-lr)
        p.grad = None


model = nn.Linear(3, 1)
before = model.weight.detach().clone()
x, y = torch.randn(16, 3), torch.randn(16, 1)
loss = nn.functional.mse_loss(model(x), y)
loss.backward()
expected = before - 0.01 * model.weight.grad
sgd_step(model.parameters(), lr=0.01)
assert torch.allclose(model.weight, expected) and model.weight.grad is None
'''

PADDING_ROW = '''\
import torch
from torch import nn

PAD = 0
emb = nn.Embedding(10, 4, padding_idx=None)
emb.weight[PAD] = 0.0        # the padding token embeds to zeros
out = emb(torch.tensor([[0, 3, 5]]))
assert torch.all(out[0, 0] == 0) and emb.weight.requires_grad
'''


def test_wraps_the_whole_update_and_leaves_zeroing_outside(sandbox):
    patched = patch(recipe, HAND_ROLLED_SGD, sandbox.facts(HAND_ROLLED_SGD, "RuntimeError"))
    assert ("    # gradient step\n    with torch.no_grad():\n        weight -= LR * weight.grad\n"
            "        bias -= LR * bias.grad\n    weight.grad.zero_()\n") in patched
    sandbox.assert_clean(patched)


def test_update_inside_a_helper_loop(sandbox):
    patched = patch(recipe, SGD_HELPER, sandbox.facts(SGD_HELPER, "RuntimeError"))
    assert "        with torch.no_grad():\n            p.add_(p.grad, alpha=-lr)\n        p.grad = None\n" in patched
    sandbox.assert_clean(patched)


def test_initialising_a_row_at_module_level(sandbox):
    patched = patch(recipe, PADDING_ROW, sandbox.facts(PADDING_ROW, "RuntimeError"))
    assert "with torch.no_grad():\n    emb.weight[PAD] = 0.0        # the padding token embeds to zeros\n" in patched
    sandbox.assert_clean(patched)


def test_no_match_when_the_write_is_already_under_no_grad():
    message = "a leaf Variable that requires grad is being used in an in-place operation."
    source = "import torch\nw = torch.ones(2, requires_grad=True)\nwith torch.no_grad():\n    w += 1\n"
    assert not applies(recipe, source, Facts("RuntimeError", message, line=4, lines=(4,)))
