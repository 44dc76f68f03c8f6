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


SUMMED_FOR_BACKWARD = '''\
import torch
import torch.nn as nn


class Regressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Linear(4, 1)
        self.loss = nn.SmoothL1Loss(reduction="none")

    def forward(self, x, y):
        return self.loss(self.body(x).squeeze(-1), y)


torch.manual_seed(0)
reg = Regressor()
start = [p.detach().clone() for p in reg.parameters()]
opt = torch.optim.SGD(reg.parameters(), lr=0.05)
x, y = torch.randn(16, 4), torch.randn(16)
logged = []
for it in range(2):
    per_sample = reg(x, y)
    opt.zero_grad()
    per_sample.sum().backward()
    opt.step()
    logged.append(float(per_sample))
'''


def test_a_loss_summed_for_backward_keeps_its_samples_and_logs_their_mean(sandbox):
    """Averaging at the definition would turn the summed gradient into a mean one (a step 16
    times smaller): the logging call takes the mean, the training is the user's."""
    patched = patch(recipe, SUMMED_FOR_BACKWARD, sandbox.facts(SUMMED_FOR_BACKWARD, "ValueError"))
    assert "    per_sample = reg(x, y)\n" in patched
    assert "    logged.append(float(per_sample.mean()))\n" in patched
    replay = ("ref = nn.Linear(4, 1)\nwith torch.no_grad():\n    ref.weight.copy_(start[0]); ref.bias.copy_(start[1])\n"
              "ref_opt = torch.optim.SGD(ref.parameters(), lr=0.05)\n"
              "for it in range(2):\n    ref_opt.zero_grad()\n"
              "    nn.functional.smooth_l1_loss(ref(x).squeeze(-1), y, reduction='sum').backward()\n    ref_opt.step()\n"
              "assert torch.allclose(ref.weight, reg.body.weight)\n"
              "first = nn.functional.linear(x, start[0], start[1]).squeeze(-1)\n"
              "assert len(logged) == 2 and abs(logged[0] - nn.functional.smooth_l1_loss(first, y).item()) < 1e-6\n")
    sandbox.assert_clean(patched + replay)


CONFIGURED_REDUCTION = '''\
import argparse
import torch
import torch.nn as nn

parser = argparse.ArgumentParser()
parser.add_argument("--reduction", default="none")
cfg = parser.parse_args([])

torch.manual_seed(0)
lin = nn.Linear(3, 1)
bce = nn.BCEWithLogitsLoss(reduction=cfg.reduction)
x = torch.randn(9, 3)
t = (torch.rand(9, 1) > 0.5).float()
loss = bce(lin(x), t)
print(f"val loss {loss:.4f}")
'''


def test_a_reduction_set_by_argparse_and_a_format_spec(sandbox):
    """`reduction=cfg.reduction` holds "none"; `f"{loss:.4f}"` needs one number like `.item()`."""
    patched = patch(recipe, CONFIGURED_REDUCTION, sandbox.facts(CONFIGURED_REDUCTION, "TypeError"))
    assert "loss = bce(lin(x), t).mean()\n" in patched
    sandbox.assert_clean(patched + "assert torch.allclose(loss, nn.functional.binary_cross_entropy_with_logits(lin(x), t))\n")


HARD_EXAMPLES = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)
model = nn.Linear(3, 1)
mse = nn.MSELoss(reduction="none")
x, y = torch.randn(10, 3), torch.randn(10, 1)
losses = mse(model(x), y).squeeze(1)
hard = losses > losses.median()
losses[hard].mean().backward()
logged = losses.item()
'''


def test_a_reshaped_per_sample_loss_used_per_sample_is_averaged_where_it_is_logged(sandbox):
    patched = patch(recipe, HARD_EXAMPLES, sandbox.facts(HARD_EXAMPLES, "RuntimeError"))
    assert "losses = mse(model(x), y).squeeze(1)\n" in patched
    assert "logged = losses.mean().item()\n" in patched
    sandbox.assert_clean(patched + "assert losses.shape == (10,) and int(hard.sum()) == 5\n"
                                   "assert abs(logged - nn.functional.mse_loss(model(x), y).item()) < 1e-6\n")


GATHERED_LOG_LIKELIHOOD = '''\
import torch

torch.manual_seed(0)
scores = torch.randn(6, 4, requires_grad=True)
answers = torch.randint(0, 4, (6,))
log_probs = torch.log_softmax(scores, dim=1)
nll = -log_probs.gather(1, answers.unsqueeze(1)).squeeze(1)
print("nll %.3f" % nll.item())
'''


def test_negative_log_likelihood_picked_with_gather_is_averaged(sandbox):
    patched = patch(recipe, GATHERED_LOG_LIKELIHOOD, sandbox.facts(GATHERED_LOG_LIKELIHOOD, "RuntimeError"))
    assert "nll = (-log_probs.gather(1, answers.unsqueeze(1)).squeeze(1)).mean()\n" in patched
    same_targets = "assert torch.isclose(nll, torch.nn.functional.cross_entropy(scores, answers))\n"
    sandbox.assert_clean(patched + same_targets)


FEATURE_MEAN_OF_UNREDUCED_LOSS = '''\
import torch
import torch.nn.functional as F

torch.manual_seed(0)
autoencoder = torch.nn.Sequential(torch.nn.Linear(6, 3), torch.nn.ReLU(), torch.nn.Linear(3, 6))
signal = torch.randn(9, 6)
rebuilt = autoencoder(signal)
per_example = F.mse_loss(rebuilt, signal, reduction="none").mean(dim=1)
score = float(per_example)
'''


def test_an_unreduced_loss_averaged_over_features_only_is_averaged_over_samples(sandbox):
    source = FEATURE_MEAN_OF_UNREDUCED_LOSS
    patched = patch(recipe, source, sandbox.facts(source, "ValueError"))
    assert 'reduction="none").mean(dim=1).mean()\n' in patched
    same_targets = "assert abs(score - F.mse_loss(rebuilt, signal).item()) < 1e-6\n"
    sandbox.assert_clean(patched + same_targets)


MEAN_IOU_OF_CLASSES = '''\
import torch

torch.manual_seed(8)
n_classes = 4
pred = torch.randint(0, n_classes, (2, 16, 16))
mask = torch.randint(0, n_classes, (2, 16, 16))


def class_iou(pred, mask):
    ious = torch.zeros(n_classes)
    for c in range(n_classes):
        inter = ((pred == c) & (mask == c)).sum()
        union = ((pred == c) | (mask == c)).sum()
        ious[c] = inter / union.clamp(min=1)
    return ious


logged = {}


def log_metrics(**values):
    logged.update(values)


ious = class_iou(pred, mask)
log_metrics(mean_iou=ious.item(), pixel_acc=(pred == mask).float().mean().item())
'''


def test_a_number_logged_as_a_mean_of_per_class_scores_is_their_mean(sandbox):
    patched = patch(recipe, MEAN_IOU_OF_CLASSES, sandbox.facts(MEAN_IOU_OF_CLASSES, "RuntimeError"))
    assert "log_metrics(mean_iou=ious.mean().item()," in patched
    meant = "assert abs(logged['mean_iou'] - sum(ious.tolist()) / n_classes) < 1e-6\n"
    sandbox.assert_clean(patched + meant)
