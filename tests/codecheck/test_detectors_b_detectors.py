"""detectors-B's detectors on pasted code of many shapes: fragments without imports, module classes,
training loops, notebook cells; each fires on its situation and stays quiet on the correct variant
and on look-alikes."""

from __future__ import annotations

import pytest

from tests.codecheck.lines import lines

# ---- backward-without-graph: a loss with no graph behind it -------------------------------------


@pytest.mark.parametrize("source, line", [
    ("""\
with torch.no_grad():
    out = model(x)
loss = F.mse_loss(out, y)
loss.backward()
""", 4),
    ("""\
for x, y in loader:
    pred = model(x).detach()
    loss = criterion(pred, y)
    loss.backward()
""", 4),
    ("""\
model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
model.fc = nn.Linear(8, 2)
model.requires_grad_(False)
x, y = torch.randn(8, 4), torch.randint(0, 2, (8,))
loss = nn.functional.cross_entropy(model(x), y)
loss.backward()
""", 6),
    ("""\
import torch
loss = torch.tensor(criterion(model(x), y).item())
loss.backward()
""", 3),
])
def test_a_loss_without_a_graph_fires(source, line):
    assert lines("backward-without-graph", source) == [line]


@pytest.mark.parametrize("source", [
    """\
out = model(x)
loss = F.mse_loss(out, y)
loss.backward()
""",
    """\
for p in model.parameters():
    p.requires_grad = False
model.fc = nn.Linear(8, 2)
loss = criterion(model(x), y)
loss.backward()
""",
    """\
for p in model.parameters():
    p.requires_grad = False
x = images.clone().requires_grad_(True)
loss = criterion(model(x), y)
loss.backward()
""",
    """\
def update(q, target_net, batch):
    with torch.no_grad():
        target = target_net(batch)
    loss = F.mse_loss(target, q)
    loss.backward()
""",
])
def test_a_loss_with_a_graph_is_quiet(source):
    """A live prediction; a new head after the freeze; an input that requires grad (saliency); an
    argument order that puts the live tensor second."""
    assert lines("backward-without-graph", source) == []


# ---- softmax-into-cross-entropy / nll-loss-without-log-softmax ----------------------------------

SOFTMAX_NET = """\
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)
        self.sm = nn.Softmax(dim=1)

    def forward(self, x):
        return self.sm(self.fc(x))

"""



@pytest.mark.parametrize("source, line", [
    ("""\
model = nn.Sequential(nn.Linear(4, 3), nn.Softmax(dim=1))
loss = nn.CrossEntropyLoss()(model(x), y)
""", 2),
    ("""\
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)
        self.softmax = nn.Softmax(dim=1)

    def forward(self, x):
        x = self.fc(x)
        x = self.softmax(x)
        return x

model = Net()
for x, y in loader:
    loss = F.cross_entropy(model(x), y)
""", 14),
    ("""\
criterion = torch.nn.CrossEntropyLoss()
probs = logits.softmax(dim=-1)
loss = criterion(probs, labels)
""", 3),
])
def test_softmax_into_cross_entropy_fires(source, line):
    assert lines("softmax-into-cross-entropy", source) == [line]


@pytest.mark.parametrize("source", [
    """\
model = nn.Sequential(nn.Linear(4, 3))
loss = nn.CrossEntropyLoss()(model(x), y)
probs = nn.Softmax(dim=1)(model(x))
""",
    """\
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)
        self.softmax = nn.Softmax(dim=1)

    def forward(self, x):
        x = self.fc(x)
        if self.training:
            return x
        return self.softmax(x)

model = Net()
loss = F.cross_entropy(model(x), y)
""",
    """\
model = nn.Sequential(nn.Linear(4, 3), nn.Softmax(dim=1))
loss = nn.NLLLoss()(torch.log(model(x)), y)
""",
])
def test_logits_into_cross_entropy_are_quiet(source):
    assert lines("softmax-into-cross-entropy", source) == []


@pytest.mark.parametrize("source, line", [
    (SOFTMAX_NET + """\
net = Net()
loss = F.nll_loss(net(x), y)
""", 11),
    ("""\
model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.Softmax(dim=1))
criterion = torch.nn.NLLLoss()
for x, y in loader:
    loss = criterion(model(x), y)
""", 4),
    ("""\
loss = F.nll_loss(torch.softmax(logits, dim=-1), y)
""", 1),
])
def test_nll_loss_on_probabilities_fires(source, line):
    assert lines("nll-loss-without-log-softmax", source) == [line]


@pytest.mark.parametrize("source", [
    """\
model = nn.Sequential(nn.Linear(4, 3), nn.LogSoftmax(dim=1))
loss = nn.NLLLoss()(model(x), y)
""",
    """\
loss = F.nll_loss(torch.log_softmax(logits, dim=-1), y)
""",
    """\
probs = torch.softmax(logits, dim=-1)
loss = F.nll_loss(torch.log(probs + 1e-8), y)
""",
])
def test_nll_loss_on_log_probabilities_is_quiet(source):
    assert lines("nll-loss-without-log-softmax", source) == []
