from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import per_sample_losses as recipe


def patched_cleanly(sandbox, source: str, checks: str) -> str:
    """The recipe's patch for this code's TypeError, once the patched code with `checks` appended
    has run clean."""
    patched = patch(recipe, source, sandbox.facts(source, "TypeError"))
    sandbox.assert_clean(patched + checks)
    return patched


HARDEST_EXAMPLES = '''\
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
model = nn.Linear(5, 3)
x, y = torch.randn(12, 5), torch.randint(0, 3, (12,))
ids = list(range(100, 112))

with torch.no_grad():
    losses = F.cross_entropy(model(x), y)
hardest = [sample_id for loss, sample_id in zip(losses, ids)][:3]
expected = F.cross_entropy(model(x), y, reduction="none")
assert len(hardest) == 3 and torch.allclose(losses, expected)
'''

SHARED_CRITERION = '''\
import torch
import torch.nn as nn

criterion = nn.MSELoss()
pred, target = torch.randn(4, 2, requires_grad=True), torch.randn(4, 2)
criterion(pred, target).backward()
for value in criterion(pred, target):
    print(value)
'''


def test_the_functional_loss_gives_one_value_per_sample(sandbox):
    patched = patch(recipe, HARDEST_EXAMPLES, sandbox.facts(HARDEST_EXAMPLES, "TypeError"))
    assert '    losses = F.cross_entropy(model(x), y, reduction="none")\n' in patched
    sandbox.assert_clean(patched)


# The training loss keeps its mean; the loop gets one row of squared errors per sample.
SHARED_KEEPS_ITS_MEAN = '''
assert criterion.reduction == "mean" and per_sample_criterion.reduction == "none"
assert torch.allclose(torch.stack(list(per_sample_criterion(pred, target))), (pred - target) ** 2)
'''


def test_a_criterion_shared_with_the_training_loss_gets_a_per_sample_twin(sandbox):
    patched = patched_cleanly(sandbox, SHARED_CRITERION, SHARED_KEEPS_ITS_MEAN)
    assert 'criterion = nn.MSELoss()\nper_sample_criterion = nn.MSELoss(reduction="none")\n' in patched
    assert "criterion(pred, target).backward()\nfor value in per_sample_criterion(pred, target):\n" in patched


def test_no_match_for_a_plain_sum():
    source = "import torch\nt = torch.ones(3).sum()\nfor v in t:\n    print(v)\n"
    assert not applies(recipe, source, Facts("TypeError", "iteration over a 0-d tensor", line=3, lines=(3,)))


CRITERION_IN_A_TRAINER = '''\
import torch
import torch.nn as nn


class Trainer:
    def __init__(self):
        self.model = nn.Linear(3, 1)
        self.loss_fn = nn.MSELoss()

    def report(self, x, y):
        errs = self.loss_fn(self.model(x), y)
        return [float(e) for e in errs]


torch.manual_seed(0)
x, y = torch.randn(5, 3), torch.randn(5, 1)
trainer = Trainer()
per_sample = trainer.report(x, y)
expected = ((trainer.model(x) - y) ** 2).flatten().tolist()
assert len(per_sample) == 5 and torch.allclose(torch.tensor(per_sample), torch.tensor(expected))
'''


def test_the_criterion_built_in_a_constructor_gives_one_value_per_sample(sandbox):
    facts = sandbox.facts(CRITERION_IN_A_TRAINER, "TypeError")
    patched = patch(recipe, CRITERION_IN_A_TRAINER, facts)
    assert '        self.loss_fn = nn.MSELoss(reduction="none")\n' in patched
    sandbox.assert_clean(patched)


LOSS_FROM_A_HELPER = '''\
import torch
import torch.nn as nn
import torch.nn.functional as F


def compute_loss(logits, labels):
    return F.cross_entropy(logits, labels)


torch.manual_seed(0)
model = nn.Linear(6, 3)
x, y = torch.randn(10, 6), torch.randint(0, 3, (10,))
with torch.no_grad():
    sample_losses = compute_loss(model(x), y)
suspicious = [i for i, value in enumerate(sample_losses) if value > 1.0]
'''

# The helper's losses are the same targets' losses, one per sample.
PER_SAMPLE_CROSS_ENTROPY = '''
expected = F.cross_entropy(model(x), y, reduction="none")
assert sample_losses.shape == (10,) and torch.allclose(sample_losses, expected)
assert suspicious == [i for i in range(10) if expected[i] > 1.0]
'''


def test_the_loss_a_helper_returns_gives_one_value_per_sample(sandbox):
    patched = patched_cleanly(sandbox, LOSS_FROM_A_HELPER, PER_SAMPLE_CROSS_ENTROPY)
    assert '    return F.cross_entropy(logits, labels, reduction="none")\n' in patched
    assert "    sample_losses = compute_loss(model(x), y)\n" in patched


HELPER_SHARED_WITH_TRAINING = '''\
import torch
import torch.nn as nn
import torch.nn.functional as F


def token_loss(model, tokens, targets):
    logits = model(tokens)
    return F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1))


torch.manual_seed(0)
model = nn.Sequential(nn.Embedding(7, 4), nn.Linear(4, 7))
tokens, targets = torch.randint(0, 7, (2, 5)), torch.randint(0, 7, (2, 5))
loss = token_loss(model, tokens, targets)
loss.backward()
perplexities = [torch.exp(value).item() for value in token_loss(model, tokens, targets).detach()]
'''

# Training still backpropagates the mean; the perplexities are one per token of the same targets.
MEAN_FOR_TRAINING = '''
logits = model(tokens).reshape(-1, 7)
assert loss.dim() == 0 and torch.allclose(loss, F.cross_entropy(logits, targets.reshape(-1)))
expected = torch.exp(F.cross_entropy(logits, targets.reshape(-1), reduction="none"))
assert torch.allclose(torch.tensor(perplexities), expected)
'''


def test_a_helper_shared_with_training_gets_a_reduction_parameter_only_the_loop_sets(sandbox):
    patched = patched_cleanly(sandbox, HELPER_SHARED_WITH_TRAINING, MEAN_FOR_TRAINING)
    assert 'def token_loss(model, tokens, targets, reduction="mean"):\n' in patched
    assert "targets.reshape(-1), reduction=reduction)\n" in patched
    assert "loss = token_loss(model, tokens, targets)\n" in patched
    assert 'token_loss(model, tokens, targets, reduction="none").detach()]\n' in patched


TRAINER_WITH_HARD_EXAMPLES = '''\
import torch
import torch.nn as nn


class Trainer:
    def __init__(self, model):
        self.model = model
        self.criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
        self.opt = torch.optim.SGD(model.parameters(), lr=0.1)

    def step(self, x, y):
        self.opt.zero_grad()
        loss = self.criterion(self.model(x), y)
        loss.backward()
        self.opt.step()

    def hard_examples(self, x, y):
        with torch.no_grad():
            losses = self.criterion(self.model(x), y)
        return [i for i, value in enumerate(losses) if value > 1.0]


torch.manual_seed(0)
trainer = Trainer(nn.Linear(5, 3))
xs, ys = torch.randn(16, 5), torch.randint(0, 3, (16,))
trainer.step(xs, ys)
hard = trainer.hard_examples(xs, ys)
'''

# Training keeps the smoothed mean; the hard examples are ranked by the same smoothed loss per sample.
SMOOTHED_PER_SAMPLE = '''
assert trainer.criterion.reduction == "mean"
with torch.no_grad():
    expected = nn.CrossEntropyLoss(label_smoothing=0.1, reduction="none")(trainer.model(xs), ys)
assert hard == [i for i in range(16) if expected[i] > 1.0]
'''


def test_a_criterion_shared_in_a_class_gets_its_twin_built_next_to_it(sandbox):
    patched = patched_cleanly(sandbox, TRAINER_WITH_HARD_EXAMPLES, SMOOTHED_PER_SAMPLE)
    twin = '        self.per_sample_criterion = nn.CrossEntropyLoss(label_smoothing=0.1, reduction="none")\n'
    assert "        self.criterion = nn.CrossEntropyLoss(label_smoothing=0.1)\n" + twin in patched
    assert "            losses = self.per_sample_criterion(self.model(x), y)\n" in patched


ERRORS_EXTENDED_PER_BATCH = '''\
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
X, Y = torch.randn(12, 3), torch.randn(12, 1)
model = torch.nn.Linear(3, 1)
errors = []
with torch.no_grad():
    for xb, yb in DataLoader(TensorDataset(X, Y), batch_size=4):
        batch_errors = F.mse_loss(model(xb), yb)
        errors.extend(batch_errors)
'''

# One squared error per sample of the whole set, in order.
ONE_ERROR_PER_SAMPLE = '''
with torch.no_grad():
    assert len(errors) == 12 and torch.allclose(torch.cat(errors), ((model(X) - Y) ** 2).flatten())
'''


def test_a_loss_a_list_is_extended_with_gives_one_value_per_sample(sandbox):
    patched = patched_cleanly(sandbox, ERRORS_EXTENDED_PER_BATCH, ONE_ERROR_PER_SAMPLE)
    assert '        batch_errors = F.mse_loss(model(xb), yb, reduction="none")\n' in patched


HELPER_RESULT_UNPACKED = '''\
import torch
import torch.nn as nn
import torch.nn.functional as F


def evaluate(model, x, y):
    return F.cross_entropy(model(x), y)


model = nn.Linear(3, 4)
val_loss, val_acc = evaluate(model, torch.randn(8, 3), torch.randint(0, 4, (8,)))
'''

CRITERION_BUILT_IN_ANOTHER_FUNCTION = '''\
import torch
import torch.nn as nn


def report(model, x, y, criterion):
    return [float(v) for v in criterion(model(x), y)]


def main():
    criterion = nn.MSELoss()
    model = nn.Linear(2, 1)
    x, y = torch.randn(4, 2), torch.randn(4, 1)
    criterion(model(x), y).backward()
    report(model, x, y, criterion)


main()
'''


def test_no_match_where_per_sample_losses_were_not_what_the_code_meant_or_cannot_be_reached(sandbox):
    """Unpacking a helper's result expects the tuple it should return (a loss and an accuracy),
    not one loss per sample; a twin built in main() would not be in scope in report()."""
    for source in (HELPER_RESULT_UNPACKED, CRITERION_BUILT_IN_ANOTHER_FUNCTION):
        assert not applies(recipe, source, sandbox.facts(source, "TypeError"))
