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


PER_BATCH_F1 = '''\
import torch


def f1_score(pred, target):
    tp = ((pred == 1) & (target == 1)).sum().float()
    return 2 * tp / ((pred == 1).sum() + (target == 1).sum()).clamp(min=1)


def report(pred, target):
    return f"f1 {f1_score(pred, target).item():.2f}"


torch.manual_seed(0)
targets = torch.randint(0, 2, (3, 16))
preds = targets.clone()
preds[:, :4] = 1 - preds[:, :4]
per_batch = []
for pred, target in zip(preds, targets):
    f1_score = f1_score(pred, target)
    per_batch.append(f1_score.item())
last = f1_score
'''

# The function still computes every batch's score, and the code after the loop sees the last one.
SAME_SCORES = '''
expected = []
for pred, target in zip(preds, targets):
    tp = ((pred == 1) & (target == 1)).sum().float()
    expected.append((2 * tp / ((pred == 1).sum() + (target == 1).sum())).item())
assert per_batch == expected and last.item() == expected[-1] and callable(f1_score)
assert report(preds[0], targets[0]) == f"f1 {expected[0]:.2f}"
'''


def test_the_result_of_a_defined_function_is_renamed(sandbox):
    patched = patch(recipe, PER_BATCH_F1, sandbox.facts(PER_BATCH_F1, "TypeError"))
    assert "    f1_score_value = f1_score(pred, target)\n    per_batch.append(f1_score_value.item())\n" in patched
    assert "last = f1_score_value\n" in patched
    assert "def f1_score(pred, target):" in patched and "{f1_score(pred, target).item():.2f}" in patched
    sandbox.assert_clean(patched + SAME_SCORES)


def test_a_defined_function_shadowed_inside_a_function_is_left_alone():
    facts = Facts("TypeError", "'Tensor' object is not callable", line=6, lines=(6,))
    code = ("def score(x):\n    return x.sum()\n\n\ndef run(xs):\n    score = score(xs)\n    return score\n")
    assert not applies(recipe, code, facts)


CRITERION_AS_PARAMETER = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)


def evaluate(net, batches, criterion):
    net.eval()
    losses = []
    with torch.no_grad():
        for inputs, labels in batches:
            criterion = criterion(net(inputs), labels)
            losses.append(criterion.item())
    return sum(losses) / len(losses), criterion


net = nn.Linear(5, 3)
batches = [(torch.randn(4, 5), torch.randint(0, 3, (4,))) for _ in range(3)]
mean_loss, last = evaluate(net, batches, criterion=nn.CrossEntropyLoss())
'''

# every batch's loss under the criterion that was passed, and the last one returned
SAME_LOSSES = '''
expected = [nn.functional.cross_entropy(net(x), y).item() for x, y in batches]
assert abs(mean_loss - sum(expected) / 3) < 1e-6 and abs(last.item() - expected[-1]) < 1e-6
'''


def test_the_result_of_a_criterion_parameter_is_renamed(sandbox):
    patched = patch(recipe, CRITERION_AS_PARAMETER, sandbox.facts(CRITERION_AS_PARAMETER, "TypeError"))
    assert "def evaluate(net, batches, criterion):" in patched
    assert ("            criterion_value = criterion(net(inputs), labels)\n"
            "            losses.append(criterion_value.item())\n") in patched
    assert "    return sum(losses) / len(losses), criterion_value\n" in patched
    sandbox.assert_clean(patched + SAME_LOSSES)


def test_a_parameter_read_uncalled_before_its_shadowing_is_left_alone():
    facts = Facts("TypeError", "'Tensor' object is not callable", line=4, lines=(4,))
    code = ("def run(xs, score):\n    for x in xs:\n        print(score)\n        score = score(x)\n"
            "    return score\n")
    assert not applies(recipe, code, facts)


def test_a_parameter_rebound_elsewhere_in_the_function_is_left_alone():
    facts = Facts("TypeError", "'Tensor' object is not callable", line=4, lines=(4,))
    code = ("def run(xs, score=None):\n    score = score or len\n    for x in xs:\n        score = score(x)\n"
            "    return score\n")
    assert not applies(recipe, code, facts)
