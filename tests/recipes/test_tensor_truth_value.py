from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import tensor_truth_value as recipe

BATCH_ACCURACY = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)
model = nn.Linear(4, 3)
loader = [(torch.randn(8, 4), torch.randint(0, 3, (8,))) for _ in range(5)]


def evaluate(model, loader):
    correct, total = 0, 0
    with torch.no_grad():
        for x, y in loader:
            pred = model(x).argmax(dim=1)
            if pred == y:
                correct += 1
            total += y.numel()
    return correct / total


acc = evaluate(model, loader)
expected = sum((model(x).argmax(1) == y).sum().item() for x, y in loader) / 40
assert isinstance(acc, float) and abs(acc - expected) < 1e-9
'''

OPTIONAL_MASK = '''\
import torch
import torch.nn as nn


class MaskedMean(nn.Module):
    def forward(self, x, mask=None):
        if mask:
            x = x * mask.unsqueeze(-1)
            return x.sum(1) / mask.sum(1, keepdim=True)
        return x.mean(1)


pool = MaskedMean()
x = torch.ones(2, 3, 4)
mask = torch.tensor([[1.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
assert pool(x).shape == (2, 4)
assert torch.allclose(pool(x, mask), torch.ones(2, 4))
'''

CLIPPED_MAX = '''\
import torch

lower = torch.zeros(5)
scores = torch.tensor([-1.0, 2.0, -3.0, 4.0, 0.5])
clipped = max(scores, lower)
assert torch.equal(clipped, torch.tensor([0.0, 2.0, 0.0, 4.0, 0.5]))
'''

BOX_FILTER = '''\
import torch

boxes = torch.tensor([[0.0, 0.0, 4.0, 4.0], [1.0, 1.0, 1.5, 9.0], [2.0, 2.0, 8.0, 5.0]])
w, h = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
keep = w > 1 and h > 1
assert boxes[keep].shape == (2, 4)
'''


def test_counting_matches_of_a_batch(sandbox):
    patched = patch(recipe, BATCH_ACCURACY, sandbox.facts(BATCH_ACCURACY, "RuntimeError"))
    assert "            correct += (pred == y).sum().item()\n            total += y.numel()\n" in patched
    sandbox.assert_clean(patched)


def test_optional_tensor_is_tested_against_none(sandbox):
    patched = patch(recipe, OPTIONAL_MASK, sandbox.facts(OPTIONAL_MASK, "RuntimeError"))
    assert "        if mask is not None:\n" in patched
    sandbox.assert_clean(patched)


def test_builtin_max_of_two_tensors_is_elementwise(sandbox):
    patched = patch(recipe, CLIPPED_MAX, sandbox.facts(CLIPPED_MAX, "RuntimeError"))
    assert "clipped = torch.maximum(scores, lower)" in patched
    sandbox.assert_clean(patched)


def test_and_of_two_masks_is_elementwise(sandbox):
    patched = patch(recipe, BOX_FILTER, sandbox.facts(BOX_FILTER, "RuntimeError"))
    assert "keep = (w > 1) & (h > 1)" in patched
    sandbox.assert_clean(patched)


def test_no_match_for_a_condition_that_needs_all_or_any():
    message = "Boolean value of Tensor with more than one value is ambiguous"
    source = "import torch\nloss = torch.ones(3)\nwhile loss > 0.1:\n    loss = loss / 2\n"
    assert not applies(recipe, source, Facts("RuntimeError", message, line=3, lines=(3,)))


LABEL_CHECK = '''\
import torch
from torch.utils.data import Dataset, DataLoader

NUM_CLASSES = 4


class Samples(Dataset):
    def __init__(self, n):
        self.x = torch.randn(n, 3)
        self.y = torch.randint(0, NUM_CLASSES, (n,))

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.x[i], self.y[i]


def check_batch(labels):
    assert labels < NUM_CLASSES, "label out of range"
    return labels


seen = 0
for xb, yb in DataLoader(Samples(12), batch_size=4):
    seen += len(check_batch(yb))
'''

NAN_GUARD = '''\
import torch
import torch.nn as nn

model = nn.Linear(6, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
criterion = nn.MSELoss(reduction="none")
x, y = torch.randn(32, 6), torch.randn(32, 1)
for step in range(20):
    per_sample = criterion(model(x), y)
    if torch.isnan(per_sample):
        print("diverged at", step)
        break
    opt.zero_grad()
    per_sample.mean().backward()
    opt.step()
'''

FINITE_GRADS = '''\
import torch


class Monitor:
    def __init__(self):
        self.bad = 0

    def update(self, grads):
        while not grads.isfinite():
            self.bad += 1
            grads = torch.nan_to_num(grads)
        return grads


g = torch.tensor([1.0, float("inf"), 3.0])
fixed = Monitor().update(g)
'''


def test_an_asserted_comparison_checks_every_element(sandbox):
    patched = patch(recipe, LABEL_CHECK, sandbox.facts(LABEL_CHECK, "RuntimeError"))
    assert 'assert (labels < NUM_CLASSES).all(), "label out of range"' in patched
    sandbox.assert_clean(patched + "assert seen == 12\n")
    broken = patched.replace("torch.randint(0, NUM_CLASSES, (n,))", "torch.randint(0, NUM_CLASSES + 5, (n,))")
    assert sandbox.run(broken).error.type == "AssertionError"  # the check still catches bad labels


def test_a_nan_check_asks_for_any(sandbox):
    patched = patch(recipe, NAN_GUARD, sandbox.facts(NAN_GUARD, "RuntimeError"))
    assert "    if torch.isnan(per_sample).any():\n" in patched
    sandbox.assert_clean(patched + "assert step == 19\n")


def test_a_negated_finiteness_check_asks_for_all(sandbox):
    patched = patch(recipe, FINITE_GRADS, sandbox.facts(FINITE_GRADS, "RuntimeError"))
    assert "while not grads.isfinite().all():" in patched
    sandbox.assert_clean(patched + "assert torch.isfinite(fixed).all() and fixed[0] == 1.0\n")


def test_no_match_for_an_asserted_inequality():
    message = "Boolean value of Tensor with more than one value is ambiguous"
    source = "import torch\na, b = torch.ones(3), torch.zeros(3)\nassert a != b\n"
    assert not applies(recipe, source, Facts("RuntimeError", message, line=3, lines=(3,)))


LOADER_ACCURACY = '''\
import torch
from torch.utils.data import DataLoader, Dataset


class Points(Dataset):
    def __len__(self):
        return 20

    def __getitem__(self, i):
        return torch.full((4,), float(i)), i % 3


model = torch.nn.Linear(4, 3)
hits, seen = 0, 0
for feats, labels in DataLoader(Points(), batch_size=5):
    with torch.no_grad():
        guess = model(feats).argmax(-1)
    if guess.eq(labels):
        hits = hits + 1
    seen += len(labels)
'''


def test_a_counter_written_out_counts_matching_samples(sandbox):
    """`n = n + 1` under `if pred.eq(y):` counts samples, as `n += 1` under `if pred == y:` does."""
    patched = patch(recipe, LOADER_ACCURACY, sandbox.facts(LOADER_ACCURACY, "RuntimeError"))
    assert "    hits += (guess.eq(labels)).sum().item()\n" in patched
    expected = ("x = torch.stack([Points()[i][0] for i in range(20)])\n"
                "y = torch.tensor([Points()[i][1] for i in range(20)])\n"
                "assert hits == (model(x).argmax(-1) == y).sum().item() and seen == 20\n")
    sandbox.assert_clean(patched + expected)


NONFINITE_GUARD = '''\
import torch

net = torch.nn.Linear(4, 4)
batch = torch.randn(3, 4)
sq = (net(batch) - batch) ** 2
skipped = False
if torch.isnan(sq) or torch.isinf(sq):
    skipped = True
'''


def test_both_sides_of_a_nonfinite_guard_ask_for_any(sandbox):
    patched = patch(recipe, NONFINITE_GUARD, sandbox.facts(NONFINITE_GUARD, "RuntimeError"))
    assert "if torch.isnan(sq).any() or torch.isinf(sq).any():\n" in patched
    sandbox.assert_clean(patched + "assert not skipped\n")
    poisoned = patched.replace("batch = torch.randn(3, 4)", "batch = torch.tensor([[1.0, float('inf'), 0.0, 0.0]])")
    sandbox.assert_clean(poisoned + "assert skipped\n")


LEAKY_GATE = '''\
import torch
import torch.nn as nn


class LeakyGate(nn.Module):
    def __init__(self, slope=0.1):
        super().__init__()
        self.slope = slope

    def forward(self, x):
        return x if x > 0 else self.slope * x


h = LeakyGate()(torch.tensor([-2.0, 0.5, 3.0]))
'''


def test_a_conditional_expression_on_the_compared_tensor_chooses_per_element(sandbox):
    patched = patch(recipe, LEAKY_GATE, sandbox.facts(LEAKY_GATE, "RuntimeError"))
    assert "        return torch.where(x > 0, x, self.slope * x)\n" in patched
    sandbox.assert_clean(patched + "assert torch.allclose(h, torch.nn.functional.leaky_relu(torch.tensor([-2.0, 0.5, 3.0]), 0.1))\n")


def assert_computes(sandbox, broken: str, rewritten: str, meaning: str) -> str:
    """The patch holds the rewritten lines, and the patched program passes the checks of what it meant."""
    patched = patch(recipe, broken, sandbox.facts(broken, "RuntimeError"))
    assert rewritten in patched
    sandbox.assert_clean(patched + meaning)
    return patched


BRANCHING_ACTIVATION = '''\
import torch
import torch.nn as nn


class Scorer(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(3, 4)

    def forward(self, x):
        h = self.proj(x)
        if h >= 0:
            act = h
        else:
            act = 0.2 * h
        return act


net = Scorer()
inputs = torch.randn(6, 3)
out = net(inputs)
'''


def test_an_if_else_assigning_one_name_chooses_per_element(sandbox):
    expected = "assert torch.allclose(out, torch.nn.functional.leaky_relu(net.proj(inputs), 0.2))\n"
    assert_computes(sandbox, BRANCHING_ACTIVATION, "        act = torch.where(h >= 0, h, 0.2 * h)\n        return act\n", expected)


RETURNING_BRANCHES = '''\
import torch


def huber(err, delta=1.0):
    if err.abs() < delta:
        return 0.5 * err ** 2
    else:
        return delta * (err.abs() - 0.5 * delta)


residuals = torch.tensor([0.5, -3.0, 2.0])
loss = huber(residuals).mean()
'''


def test_an_if_else_returning_in_each_branch_chooses_per_element(sandbox):
    patched = patch(recipe, RETURNING_BRANCHES, sandbox.facts(RETURNING_BRANCHES, "RuntimeError"))
    expected = "assert torch.isclose(loss, torch.nn.functional.huber_loss(residuals, torch.zeros(3)))\n"
    sandbox.assert_clean(patched + expected)


ONE_LINE_COUNTER = '''\
import torch
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
features, classes = torch.randn(20, 6), torch.randint(0, 2, (20,))
loader = DataLoader(TensorDataset(features, classes), batch_size=5)
clf = torch.nn.Linear(6, 2)
hits = 0
with torch.no_grad():
    for feats, target in loader:
        guess = clf(feats).argmax(1)
        hits += 1 if guess == target else 0
'''


def test_a_one_line_counter_counts_matching_samples(sandbox):
    expected = "assert hits == (clf(features).argmax(1) == classes).sum().item()\n"
    assert_computes(sandbox, ONE_LINE_COUNTER, "        hits += (guess == target).sum().item()\n", expected)


MASK_DEFAULT_BY_OR = '''\
import torch

emb = torch.nn.Embedding(10, 4)


def pooled(ids, mask=None):
    mask = mask or torch.ones_like(ids)
    return (emb(ids) * mask.unsqueeze(-1)).sum(1)


ids = torch.tensor([[1, 2, 3], [4, 5, 0]])
with torch.no_grad():
    summed = pooled(ids, (ids != 0).long())
    plain = pooled(ids)
'''


def test_a_default_given_with_or_tests_for_none(sandbox):
    expected = ("assert torch.allclose(summed[1], emb(ids[1, :2]).sum(0))\n"
                "assert torch.allclose(plain, emb(ids).sum(1))\n")
    assert_computes(sandbox, MASK_DEFAULT_BY_OR, "    mask = mask if mask is not None else torch.ones_like(ids)\n", expected)


JOINED_ASSERT = '''\
import torch

logits = torch.randn(8, 4)
labels = torch.randint(0, 4, (8,))
assert labels.max() < logits.shape[1] and labels >= 0
loss = torch.nn.functional.cross_entropy(logits, labels)
'''


def test_each_comparison_of_an_asserted_and_checks_every_element(sandbox):
    patched = patch(recipe, JOINED_ASSERT, sandbox.facts(JOINED_ASSERT, "RuntimeError"))
    sandbox.assert_clean(patched + "assert loss.shape == ()\n")
    broken = patched.replace("torch.randint(0, 4, (8,))", "torch.tensor([0, 1, -1, 2, 3, 0, 1, 2])")
    assert sandbox.run(broken).error.type == "AssertionError"


JACOBI_UNTIL_CONVERGED = '''\
import torch

torch.manual_seed(3)
n = 6
A = torch.randn(n, n) + n * torch.eye(n)
b = torch.randn(n)
D = torch.diag(A)
R = A - torch.diag(D)


def jacobi(A, b, eps=1e-7, max_steps=500):
    x = torch.zeros_like(b)
    steps = 0
    while steps < max_steps:
        x_next = (b - R @ x) / D
        steps += 1
        if torch.abs(x_next - x) <= eps:
            return x_next, steps
        x = x_next
    return x, steps


solution, steps = jacobi(A, b)
'''


def test_a_convergence_check_on_an_absolute_difference_waits_for_every_element(sandbox):
    meaning = "assert torch.allclose(A @ solution, b, atol=1e-5) and steps > 1\n"
    assert_computes(sandbox, JACOBI_UNTIL_CONVERGED, "        if (torch.abs(x_next - x) <= eps).all():\n", meaning)


STILL_MOVING = '''\
import torch

torch.manual_seed(5)
target = torch.randn(4, 3)
estimate = torch.zeros(4, 3)
rounds = 0
while True:
    step = target - estimate
    estimate = estimate + 0.5 * step
    rounds += 1
    if step.abs() > 1e-4:
        continue
    break
'''


def test_a_tolerance_exceeded_check_asks_whether_any_element_still_exceeds(sandbox):
    meaning = "assert torch.allclose(estimate, target, atol=1e-4) and rounds > 5\n"
    assert_computes(sandbox, STILL_MOVING, "    if (step.abs() > 1e-4).any():\n", meaning)


KEEP_THE_BEST_EPOCH = '''\
import copy
import torch
import torch.nn as nn

torch.manual_seed(9)
x, y = torch.randn(40, 5), torch.randint(0, 3, (40,))
model = nn.Linear(5, 3)
opt = torch.optim.SGD(model.parameters(), lr=0.5)
per_sample = nn.CrossEntropyLoss(reduction="none")
best_loss, best_state, history = float("inf"), None, []
for epoch in range(5):
    opt.zero_grad()
    per_sample(model(x), y).mean().backward()
    opt.step()
    with torch.no_grad():
        epoch_loss = per_sample(model(x), y)
    history.append(epoch_loss.mean().item())
    if epoch_loss < best_loss:
        best_loss = epoch_loss
        best_state = copy.deepcopy(model.state_dict())
'''


def test_the_best_loss_so_far_is_kept_as_the_mean_loss(sandbox):
    meaning = ("assert isinstance(best_loss, float) and abs(best_loss - min(history)) < 1e-6\n"
               "model.load_state_dict(best_state)\n"
               "assert abs(nn.functional.cross_entropy(model(x), y).item() - best_loss) < 1e-5\n")
    patched = assert_computes(sandbox, KEEP_THE_BEST_EPOCH, "    if epoch_loss.mean().item() < best_loss:\n", meaning)
    assert "        best_loss = epoch_loss.mean().item()\n" in patched


STOP_WHEN_NO_LONGER_IMPROVING = '''\
import torch
import torch.nn as nn

torch.manual_seed(4)
x = torch.randn(30, 3)
y = x.sum(1, keepdim=True)
model = nn.Linear(3, 1)
opt = torch.optim.Adam(model.parameters(), lr=0.05)
errors = nn.L1Loss(reduction="none")
TOLERANCE = 1e-3
lowest, waited, seen = float("inf"), 0, []


def evaluate():
    with torch.no_grad():
        return errors(model(x), y)


for epoch in range(20):
    opt.zero_grad()
    errors(model(x), y).mean().backward()
    opt.step()
    val_loss = evaluate()
    seen.append(val_loss.mean().item())
    if val_loss < lowest - TOLERANCE:
        lowest, waited = val_loss, 0
    else:
        waited += 1
'''


def test_a_best_loss_with_a_margin_of_improvement_is_kept_as_the_mean_loss(sandbox):
    meaning = "assert isinstance(lowest, float) and abs(lowest - min(seen)) < 1e-6\n"
    patched = assert_computes(sandbox, STOP_WHEN_NO_LONGER_IMPROVING,
                              "    if val_loss.mean().item() < lowest - TOLERANCE:\n", meaning)
    assert "        lowest, waited = val_loss.mean().item(), 0\n" in patched


def test_no_best_loss_when_the_margin_uses_the_loss_itself():
    source = ("import torch\nfor step in range(3):\n    val_loss = f()\n    if val_loss < best - val_loss.std():\n"
              "        best = val_loss\n")
    message = "Boolean value of Tensor with more than one value is ambiguous"
    assert not applies(recipe, source, Facts("RuntimeError", message, line=4, lines=(4,)))


SQUARED_ERRORS_KEPT = '''\
import torch
from torch import nn

torch.manual_seed(0)
area = torch.rand(64, 3)
price = area @ torch.tensor([[2.0], [-1.0], [0.5]]) + 0.3
train_x, train_y, val_x, val_y = area[:48], price[:48], area[48:], price[48:]

model = nn.Linear(3, 1)
optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
best, best_epoch = float("inf"), -1
for epoch in range(60):
    loss = nn.functional.mse_loss(model(train_x), train_y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    with torch.no_grad():
        errors = (model(val_x) - val_y) ** 2
    if errors < best:
        best, best_epoch = errors, epoch
'''


def test_a_per_sample_error_kept_as_the_best_is_its_mean(sandbox):
    patched = patch(recipe, SQUARED_ERRORS_KEPT, sandbox.facts(SQUARED_ERRORS_KEPT, "RuntimeError"))
    assert "    if errors.mean().item() < best:\n        best, best_epoch = errors.mean().item(), epoch\n" in patched
    sandbox.assert_clean(patched + "assert isinstance(best, float) and best_epoch > 0\n"
                                   "assert best == min(best, nn.functional.mse_loss(model(val_x), val_y).item())\n")
