from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import rename_shadowed_callable as recipe

LOSS_OVERWRITTEN = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)


def make_batches(n):
    return [(torch.randn(8, 5), torch.randint(0, 2, (8,))) for _ in range(n)]


model = nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Linear(16, 2))
loss = nn.CrossEntropyLoss(label_smoothing=0.05)
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
history = []
for epoch in range(3):
    for x, y in make_batches(4):
        loss = loss(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        history.append(loss.item())
assert len(history) == 12
'''

SHAPE_CALLED = '''\
import torch

batch = torch.randn(16, 3, 8, 8)
n = batch.shape(0)
flat = batch.reshape(n, -1)
assert flat.shape == (16, 192)
'''


def test_renames_the_criterion_and_keeps_the_result_name(sandbox):
    patched = patch(recipe, LOSS_OVERWRITTEN, sandbox.facts(LOSS_OVERWRITTEN, "TypeError"))
    assert "criterion = nn.CrossEntropyLoss(label_smoothing=0.05)\n" in patched
    assert "        loss = criterion(model(x), y)\n        opt.zero_grad()\n        loss.backward()\n" in patched
    sandbox.assert_clean(patched)


def test_shape_is_indexed_not_called(sandbox):
    patched = patch(recipe, SHAPE_CALLED, sandbox.facts(SHAPE_CALLED, "TypeError"))
    assert "n = batch.shape[0]\n" in patched
    sandbox.assert_clean(patched)


def test_no_match_when_the_callable_is_passed_around():
    source = ("import torch.nn as nn\nloss = nn.MSELoss()\nrun(loss)\nfor x in xs:\n    loss = loss(x, x)\n")
    assert not applies(recipe, source, Facts("TypeError", "'Tensor' object is not callable", line=5, lines=(5,)))
