from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import per_sample_losses as recipe

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


def test_no_match_for_a_criterion_shared_with_the_training_loss(sandbox):
    facts = sandbox.facts(SHARED_CRITERION, "TypeError")
    assert not applies(recipe, SHARED_CRITERION, facts)


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
