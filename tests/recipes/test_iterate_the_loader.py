from tests.recipes.kbfix import patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import iterate_the_loader as recipe

ONE_BATCH = '''\
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
dataset = TensorDataset(torch.randn(100, 8), torch.randint(0, 3, (100,)))
train_loader = DataLoader(dataset, batch_size=16, shuffle=True)
model = nn.Linear(8, 3)

features, labels = next(train_loader)        # a quick look at one batch
print(model(features).shape)
'''


def test_one_batch_for_a_check(sandbox):
    patched = patch(recipe, ONE_BATCH, sandbox.facts(ONE_BATCH, "TypeError"))
    assert "features, labels = next(iter(train_loader))        # a quick look at one batch\n" in patched
    sandbox.assert_clean(patched + "assert features.shape == (16, 8) and labels.shape == (16,)\n")


FIXED_STEPS = '''\
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class Trainer:
    def __init__(self, loader, steps):
        self.loader, self.steps = loader, steps
        self.model = nn.Linear(4, 1)
        self.seen = []

    def run(self):
        optimizer = torch.optim.SGD(self.model.parameters(), lr=0.01)
        warmup_x, _ = next(self.loader)
        self.seen.append(warmup_x)
        for step in range(self.steps):
            x, y = next(self.loader)
            loss = nn.functional.mse_loss(self.model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            self.seen.append(x)


torch.manual_seed(0)
data = TensorDataset(torch.arange(40.0).reshape(20, 2).repeat(1, 2), torch.randn(20, 1))
trainer = Trainer(DataLoader(data, batch_size=4, shuffle=True), steps=3)
trainer.run()
'''

# Four consecutive batches of one epoch: no sample seen twice.
CONSECUTIVE = '''
rows = torch.cat(trainer.seen)[:, 0].tolist()
assert len(rows) == 16 and len(set(rows)) == 16
'''


def test_consecutive_batches_come_from_one_iterator(sandbox):
    patched = patch(recipe, FIXED_STEPS, sandbox.facts(FIXED_STEPS, "TypeError"))
    assert ("        loader_iter = iter(self.loader)\n        warmup_x, _ = next(loader_iter)\n") in patched
    assert "            x, y = next(loader_iter)\n" in patched
    sandbox.assert_clean(patched + CONSECUTIVE)


def test_next_in_several_functions_is_not_given_one_iterator():
    code = "def a():\n    return next(loader)\n\n\ndef b():\n    return next(loader)\n"
    facts = Facts("TypeError", "'DataLoader' object is not an iterator", line=2, lines=(2,))
    assert patch(recipe, code, facts) is None
    assert patch(recipe, code.replace("return next(loader)\n\n\ndef b():\n    ", ""), facts) == (
        "def a():\n    return next(iter(loader))\n")
