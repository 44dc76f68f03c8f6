"""detectors-C's detectors on pasted code of many shapes: fragments without imports, module classes,
training loops, notebook cells; each fires on its situation and stays quiet on the correct variant
and on look-alikes."""

from __future__ import annotations

import pytest

from tests.codecheck.lines import lines

# ---- loss-summed-with-graph: a running total of loss tensors keeps every graph alive --------------


@pytest.mark.parametrize("source, line", [
    ("""\
model.eval()
val_loss = 0.0
for x, y in val_loader:
    val_loss += F.cross_entropy(model(x), y)
""", 4),
    ("""\
import torch
from torch import nn

criterion = nn.MSELoss()
running = 0
for epoch in range(10):
    for inputs, targets in loader:
        optimizer.zero_grad()
        loss = criterion(model(inputs), targets)
        loss.backward()
        optimizer.step()
        running += loss
    print(epoch, running / len(loader))
""", 12),
    ("""\
class Trainer:
    def evaluate(self, loader):
        total = 0.0
        for batch, labels in loader:
            out = self.model(batch)
            total += torch.nn.functional.nll_loss(out, labels)
        return total / len(loader)
""", 6),
    ("""\
# In [7]:
epoch_loss = 0
for step, (x, y) in enumerate(train_dl):
    l = nn.L1Loss()(net(x), y)
    l.backward(); opt.step(); opt.zero_grad()
    epoch_loss += l
""", 6),
])
def test_a_running_total_of_loss_tensors_fires(source, line):
    assert lines("loss-summed-with-graph", source) == [line]


@pytest.mark.parametrize("source", [
    """\
val_loss = 0.0
for x, y in val_loader:
    val_loss += F.cross_entropy(model(x), y).item()
""",
    """\
model.eval()
val_loss = 0.0
with torch.no_grad():
    for x, y in val_loader:
        val_loss += F.cross_entropy(model(x), y)
""",
    """\
loss = 0
for head, target in zip(heads, targets):
    loss += F.cross_entropy(head(features), target)
loss.backward()
""",
    """\
total = 0
for x, y in loader:
    total += (model(x).argmax(1) == y).sum()
""",
    """\
@torch.no_grad()
def evaluate(model, loader):
    total = 0.0
    for x, y in loader:
        loss = criterion(model(x), y)
        total += loss
    return total
""",
])
def test_a_total_of_floats_or_a_multi_term_loss_is_quiet(source):
    """`.item()`; under no_grad; the terms of one loss that is backpropagated; a count of correct
    predictions; a no_grad evaluation function."""
    assert lines("loss-summed-with-graph", source) == []


# ---- log-of-unclamped-probability: log(sigmoid/softmax) in a hand-written loss --------------------


@pytest.mark.parametrize("source, line", [
    ("""\
p = torch.sigmoid(model(X).squeeze(1))
loss = -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()
""", 2),
    ("""\
import torch.nn.functional as F

class PolicyLoss:
    def __call__(self, logits, actions, advantages):
        probs = F.softmax(logits, dim=-1)
        logp = probs.log()[torch.arange(len(actions)), actions]
        return -(logp * advantages).mean()
""", 6),
    ("""\
for xb, yb in loader:
    out = net(xb).sigmoid()
    loss = -(yb * out.log() + (1 - yb) * (1 - out).log()).mean()
    opt.zero_grad(); loss.backward(); opt.step()
""", 3),
    ("""\
# cell 4
probs = torch.softmax(scores, 1)
entropy = -(probs * torch.log(probs)).sum(1)
""", 3),
])
def test_a_log_of_a_probability_fires(source, line):
    assert lines("log-of-unclamped-probability", source) == [line]


@pytest.mark.parametrize("source", [
    """\
p = torch.sigmoid(model(X).squeeze(1))
loss = -(y * torch.log(p + 1e-8) + (1 - y) * torch.log(1 - p + 1e-8)).mean()
""",
    """\
p = torch.sigmoid(logits).clamp(1e-7, 1 - 1e-7)
loss = -(y * torch.log(p)).mean()
""",
    """\
logp = F.log_softmax(logits, dim=1)
loss = -logp[range(n), y].mean()
""",
    """\
import math
p = torch.sigmoid(z)
bits = math.log(2)
scale = torch.log(torch.tensor(10.0))
""",
    """\
var = F.softplus(raw)
nll = 0.5 * torch.log(var) + (y - mu) ** 2 / (2 * var)
""",
])
def test_a_clamped_or_stable_log_is_quiet(source):
    """An epsilon; a clamped probability; log_softmax; math.log and a log of a constant; the log of a
    softplus (never exactly zero in practice, and not a probability)."""
    assert lines("log-of-unclamped-probability", source) == []
