from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import reduce_per_sample_loss as recipe

NOISY_LABELS = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)


class Classifier(nn.Module):
    def __init__(self, n_in, n_classes):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(n_in, 32), nn.ReLU(), nn.Linear(32, n_classes))

    def forward(self, x):
        return self.net(x)


model = Classifier(10, 4)
criterion = nn.CrossEntropyLoss(reduction="none")   # per-sample, to down-weight noisy labels
opt = torch.optim.SGD(model.parameters(), lr=0.1)
batches = [(torch.randn(8, 10), torch.randint(0, 4, (8,)), torch.rand(8)) for _ in range(3)]

running = 0.0
for x, y, confidence in batches:
    per_sample = criterion(model(x), y)
    loss = per_sample * confidence
    opt.zero_grad()
    loss.backward()
    opt.step()
    running += loss.item()

# what was meant: the confidence-weighted mean of the last batch's per-sample losses
assert loss.dim() == 0 and per_sample.shape == (8,)
assert torch.allclose(loss, (per_sample * confidence).sum() / confidence.sum())
'''

HELPER_LOSS = '''\
import torch
from torch import nn


def squared_error(pred, target):
    return (pred - target) ** 2


model = nn.Linear(3, 1)
opt = torch.optim.Adam(model.parameters(), lr=0.05)
x = torch.randn(64, 3)
y = x.sum(dim=1, keepdim=True)
for epoch in range(200):
    loss = squared_error(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
assert loss.dim() == 0 and loss.item() < 0.05      # the mean squared error went down
'''

EVAL_LOGGING = '''\
import torch
import torch.nn.functional as F

torch.manual_seed(0)
logits = torch.randn(16, 5)
targets = torch.randint(0, 5, (16,))
val_loss = 0.0
for chunk in range(2):
    val_loss += F.cross_entropy(logits, targets, reduction="none").item()
assert abs(val_loss - 2 * F.cross_entropy(logits, targets).item()) < 1e-5
'''


def test_weighted_per_sample_losses_become_their_weighted_mean(sandbox):
    patched = patch(recipe, NOISY_LABELS, sandbox.facts(NOISY_LABELS, "RuntimeError"))
    assert "    loss = (per_sample * confidence).sum() / confidence.sum()\n" in patched
    assert "    loss.backward()\n" in patched
    sandbox.assert_clean(patched)


def test_loss_from_an_elementwise_helper_is_averaged_where_it_is_assigned(sandbox):
    patched = patch(recipe, HELPER_LOSS, sandbox.facts(HELPER_LOSS, "RuntimeError"))
    assert "    loss = squared_error(model(x), y).mean()\n" in patched
    assert "return (pred - target) ** 2" in patched
    sandbox.assert_clean(patched)


def test_item_of_an_unreduced_loss_expression(sandbox):
    patched = patch(recipe, EVAL_LOGGING, sandbox.facts(EVAL_LOGGING, "RuntimeError"))
    assert 'val_loss += F.cross_entropy(logits, targets, reduction="none").mean().item()' in patched
    sandbox.assert_clean(patched)


def test_no_match_for_a_model_output_or_a_metric():
    backward = Facts("RuntimeError", "grad can be implicitly created only for scalar outputs", line=4, lines=(4,))
    output = "import torch\nmodel = torch.nn.Linear(3, 1)\nout = model(torch.randn(8, 3))\nout.backward()\n"
    assert not applies(recipe, output, backward)
    item = Facts("RuntimeError", "a Tensor with 8 elements cannot be converted to Scalar", line=3, lines=(3,))
    metric = "import torch\npred, y = torch.zeros(8), torch.ones(8)\nacc = (pred == y).float().item()\n"
    assert not applies(recipe, metric, item)


def test_no_match_when_per_sample_values_are_used_later():
    source = ("import torch.nn.functional as F\nlosses = F.mse_loss(p, y, reduction='none')\n"
              "losses.backward()\nworst = losses[losses.argmax()]\n")
    facts = Facts("RuntimeError", "grad can be implicitly created only for scalar outputs", line=3, lines=(3,))
    assert not applies(recipe, source, facts)


SOFT_TARGETS = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)
model = nn.Linear(6, 4)
x = torch.randn(10, 6)
soft = torch.softmax(torch.randn(10, 4), dim=1)        # distillation targets
loss = -(soft * model(x).log_softmax(dim=1)).sum(dim=1)
loss.backward()
expected = nn.functional.cross_entropy(model(x), soft)
assert torch.allclose(loss, expected)
'''


def test_hand_written_cross_entropy_reduced_over_classes_only(sandbox):
    patched = patch(recipe, SOFT_TARGETS, sandbox.facts(SOFT_TARGETS, "RuntimeError"))
    assert "loss = (-(soft * model(x).log_softmax(dim=1)).sum(dim=1)).mean()\n" in patched
    sandbox.assert_clean(patched)


LOGGED_WITH_FLOAT = '''\
import torch
import torch.nn as nn

model = nn.Linear(6, 1)
criterion = nn.MSELoss(reduction="none")
x, y = torch.randn(16, 6), torch.randn(16, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
history = []
for step in range(3):
    loss = criterion(model(x), y)
    optimizer.zero_grad()
    loss.mean().backward()
    optimizer.step()
    history.append(float(loss))
'''


def test_float_of_a_per_sample_loss_logs_its_mean(sandbox):
    """float() needs one number as .item() does: the loss is averaged where it is defined."""
    patched = patch(recipe, LOGGED_WITH_FLOAT, sandbox.facts(LOGGED_WITH_FLOAT, "ValueError"))
    assert "    loss = criterion(model(x), y).mean()\n" in patched
    sandbox.assert_clean(patched + "assert len(history) == 3 and history[0] > history[-1]\n")
