from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import long_targets as recipe

CSV_LABELS = '''\
import torch
import torch.nn as nn

rows = [[0.1, 0.5, 1.0], [0.3, 0.2, 0.0], [0.9, 0.4, 2.0], [0.5, 0.5, 1.0]]
data = torch.tensor(rows)
features, labels = data[:, :2], data[:, 2]     # the label column comes out as float

model = nn.Linear(2, 3)
loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1)
loss = loss_fn(model(features), labels)
loss.backward()
'''


def test_converts_the_target_at_the_loss_call(sandbox):
    patched = patch(recipe, CSV_LABELS, sandbox.facts(CSV_LABELS, "RuntimeError"))
    assert "loss = loss_fn(model(features), labels.long())" in patched
    sandbox.assert_clean(patched)


def test_replaces_an_explicit_float_conversion(sandbox):
    broken = ("import torch\nimport torch.nn.functional as F\nlogp = torch.randn(5, 4).log_softmax(-1)\n"
              "y = torch.randint(0, 4, (5,))\nloss = F.nll_loss(logp, target=y.float())\nprint(loss)\n")
    patched = patch(recipe, broken, sandbox.facts(broken, "RuntimeError"))
    assert "F.nll_loss(logp, target=y.long())" in patched
    sandbox.assert_clean(patched)


def test_no_match_without_a_classification_loss():
    message = "expected target dtype to be Long or Byte, but got Float"
    assert not applies(recipe, ("import torch\nx = torch.ones(2)\n"), Facts("RuntimeError", message))
