from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import pass_missing_argument as recipe

CROSS_ATTENTION = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)


class CrossBlock(nn.Module):
    def __init__(self, dim=16):
        super().__init__()
        self.attn = nn.MultiheadAttention(dim, 2, batch_first=True)

    def forward(self, queries, memory):
        return self.attn(queries, memory, memory, need_weights=False)[0]


class Decoder(nn.Module):
    def __init__(self, dim=16):
        super().__init__()
        self.block = CrossBlock(dim)
        self.head = nn.Linear(dim, 5)

    def decode(self, queries, memory):
        return self.head(self.block(queries))

    def forward(self, queries, memory):
        return self.decode(queries, memory)


decoder = Decoder()
queries, memory = torch.randn(2, 3, 16), torch.randn(2, 7, 16)
out = decoder(queries, memory)
'''

# the queries attend to the memory that was handed in
ATTENDS_TO_MEMORY = '''
attended = decoder.block.attn(queries, memory, memory, need_weights=False)[0]
assert out.shape == (2, 3, 5) and torch.allclose(out, decoder.head(attended))
'''

SCALED_LAYER = '''\
import torch
import torch.nn as nn


class Shift(nn.Module):
    def forward(self, x, scale, offset):
        return x * scale + offset


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.shift = Shift()

    def forward(self, x, scale):
        return self.shift(x, offset=1.0)


model = Model()
x = torch.ones(3)
y = model(x, 2.0)
'''


def test_the_callers_unused_memory_is_passed_by_position(sandbox):
    patched = patch(recipe, CROSS_ATTENTION, sandbox.facts(CROSS_ATTENTION, "TypeError"))
    assert "        return self.head(self.block(queries, memory))\n" in patched
    sandbox.assert_clean(patched + ATTENDS_TO_MEMORY)


def test_an_argument_before_a_keyword_goes_by_keyword(sandbox):
    patched = patch(recipe, SCALED_LAYER, sandbox.facts(SCALED_LAYER, "TypeError"))
    assert "        return self.shift(x, offset=1.0, scale=scale)\n" in patched
    sandbox.assert_clean(patched + "assert torch.equal(y, torch.full((3,), 3.0))\n")


_MISSING_MEMORY = Facts("TypeError", "CrossBlock.forward() missing 1 required positional argument: 'memory'",
                        line=23, lines=(23,))


def test_a_parameter_the_caller_reads_is_left_alone():
    used = CROSS_ATTENTION.replace("        return self.head(self.block(queries))\n",
                                   "        return self.head(self.block(queries)) + memory.mean()\n")
    assert not applies(recipe, used, _MISSING_MEMORY)


def test_a_caller_without_that_parameter_is_left_alone():
    other = CROSS_ATTENTION.replace("    def decode(self, queries, memory):\n", "    def decode(self, queries, context):\n")
    assert not applies(recipe, other, _MISSING_MEMORY)


def test_the_facts_above_aim_at_the_call():
    assert applies(recipe, CROSS_ATTENTION, _MISSING_MEMORY)


EVALUATION_LOOP = '''\
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class LengthAwareRegressor(nn.Module):
    """Mean of the valid steps of each padded series, then a linear read-out."""

    def __init__(self, features=3):
        super().__init__()
        self.readout = nn.Linear(features, 1)

    def forward(self, series, lengths):
        valid = torch.arange(series.shape[1])[None, :] < lengths[:, None]
        pooled = (series * valid[..., None]).sum(1) / lengths[:, None]
        return self.readout(pooled).squeeze(1)


torch.manual_seed(0)
series = torch.randn(20, 6, 3)
steps = torch.randint(2, 7, (20,))
targets = torch.randn(20)
model = LengthAwareRegressor()
errors = []
with torch.no_grad():
    for batch_series, lengths, batch_targets in DataLoader(TensorDataset(series, steps, targets), batch_size=5):
        predictions = model(batch_series)
        errors.append((predictions - batch_targets).abs())
'''


def test_the_name_the_loop_unpacks_and_never_reads_is_passed(sandbox):
    patched = patch(recipe, EVALUATION_LOOP, sandbox.facts(EVALUATION_LOOP, "TypeError"))
    assert "        predictions = model(batch_series, lengths)\n" in patched
    sandbox.assert_clean(patched + "assert torch.allclose(torch.cat(errors), (model(series, steps) - targets).abs())\n")


def test_a_loop_name_of_another_spelling_is_not_guessed():
    facts = Facts("TypeError", "LengthAwareRegressor.forward() missing 1 required positional argument: 'lengths'",
                  line=27, lines=(27,))
    assert not applies(recipe, EVALUATION_LOOP.replace(" lengths, batch_targets", " step_counts, batch_targets"), facts)
