from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import drop_unexpected_batch_key as recipe

DICT_BATCH_REGRESSION = '''\
import torch
import torch.nn as nn
from torch.utils.data import DataLoader


class Tabular(nn.Module):
    def __init__(self):
        super().__init__()
        self.num = nn.Linear(4, 8)
        self.cat = nn.Embedding(5, 8)
        self.out = nn.Linear(8, 1)

    def forward(self, numeric, category):
        return self.out(torch.relu(self.num(numeric) + self.cat(category))).squeeze(-1)


def step(model, batch, opt):
    pred = model(**batch)
    loss = nn.functional.mse_loss(pred, batch["target"])
    opt.zero_grad()
    loss.backward()
    opt.step()
    return pred, loss


torch.manual_seed(0)
rows = [{"numeric": torch.randn(4), "category": torch.tensor(i % 5), "target": torch.tensor(float(i))}
        for i in range(12)]
model = Tabular()
opt = torch.optim.SGD(model.parameters(), lr=0.01)
first = next(iter(DataLoader(rows, batch_size=6)))
for batch in DataLoader(rows, batch_size=6):
    pred, loss = step(model, batch, opt)
'''

# The model got its two inputs, and the loss was taken against the batch's targets.
SAME_LOSS = '''
assert pred.shape == (6,) and torch.equal(batch["target"], torch.arange(6.0, 12.0))
assert torch.isclose(loss, nn.functional.mse_loss(pred, batch["target"]))
'''


def test_the_key_the_loss_reads_is_not_passed_to_the_model(sandbox):
    patched = patch(recipe, DICT_BATCH_REGRESSION, sandbox.facts(DICT_BATCH_REGRESSION, "TypeError"))
    assert 'pred = model(**{key: value for key, value in batch.items() if key != "target"})' in patched
    assert 'nn.functional.mse_loss(pred, batch["target"])' in patched
    sandbox.assert_clean(patched + SAME_LOSS)


def test_a_key_the_code_never_reads_is_left_alone():
    facts = Facts("TypeError", "Tabular.forward() got an unexpected keyword argument 'cat_ids'", line=3, lines=(3,))
    code = "def run(model, batch):\n    out = model.head(batch['x'])\n    return model(**batch)\n"
    assert not applies(recipe, code, facts)
