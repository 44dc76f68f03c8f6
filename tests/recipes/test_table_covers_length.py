from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import table_covers_length as recipe

LEARNED_POSITIONS = '''\
from dataclasses import dataclass

import torch
import torch.nn as nn


@dataclass
class Config:
    features: int = 8
    width: int = 16
    max_len: int = 32


class SeriesRegressor(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.inp = nn.Linear(cfg.features, cfg.width)
        self.pos = nn.Parameter(torch.zeros(1, cfg.max_len, cfg.width))
        self.out = nn.Linear(cfg.width, 1)

    def forward(self, series):                   # [batch, time, features]
        h = self.inp(series) + self.pos[:, : series.size(1)]
        return self.out(torch.relu(h).mean(1))


torch.manual_seed(0)
cfg = Config()
model = SeriesRegressor(cfg)
series = torch.randn(4, 48, cfg.features)
target = series.sum((1, 2)).unsqueeze(1)
loss = nn.functional.mse_loss(model(series), target)
loss.backward()
'''


def test_the_table_is_built_for_the_input_length_where_its_length_is_set(sandbox):
    facts = sandbox.facts(LEARNED_POSITIONS, "RuntimeError")
    patched = patch(recipe, LEARNED_POSITIONS, facts)
    assert "    max_len: int = 48\n" in patched and "torch.zeros(1, cfg.max_len, cfg.width)" in patched
    sandbox.assert_clean(patched + "\nassert model.pos.shape == (1, 48, 16) and model.pos.grad is not None\n")


FIXED_CUT = '''\
import torch

MAX_LEN = 20
table = torch.randn(MAX_LEN, 6)
tokens = torch.randn(3, 20, 6)
mixed = tokens * table[: tokens.size(1)]
shifted = tokens[:, 1:] - table[:10]          # the cut is short, the table is long enough
'''


def test_not_when_the_table_is_long_enough_and_the_cut_is_what_is_short(sandbox):
    facts = sandbox.facts(FIXED_CUT, "RuntimeError")
    assert not applies(recipe, FIXED_CUT, facts)
