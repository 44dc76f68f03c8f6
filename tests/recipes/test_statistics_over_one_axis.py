"""statistics-over-one-axis: statistics fitted on one tensor and applied to another, one of them
reduced over another axis than its siblings. Other shapes than the dev script's (a Standardizer
whose mean and std disagree): a min-max scaler at module level through `.values`, whose odd
statistic is also used in the range `hi - lo`; a normaliser class fitted in `__init__` with a
negative dim, failing on the division rather than the subtraction. Look-alikes it must leave
alone: a lone statistic (no sibling to agree with), siblings that agree with each other, and the
entry's per-channel constants against NCHW images (no reduction at all)."""

from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import statistics_over_one_axis as recipe

MIN_MAX = '''\
import torch

torch.manual_seed(0)
train = torch.rand(64, 5) * torch.tensor([1.0, 10.0, 100.0, 0.5, 3.0])
val = torch.rand(16, 5) * torch.tensor([1.0, 10.0, 100.0, 0.5, 3.0])
lo = train.min(dim=0, keepdim=True).values
hi = train.max(dim=1, keepdim=True).values
scaled = (val - lo) / (hi - lo)
'''

NORMALISER = '''\
import torch
import torch.nn as nn


class Normaliser:
    def __init__(self, reference):
        self.center = reference.mean(dim=0, keepdim=True)
        self.scale = reference.std(dim=-1, keepdim=True) + 1e-5

    def __call__(self, batch):
        return (batch - self.center) / self.scale


torch.manual_seed(3)
reference = torch.randn(200, 8) * 4 + 2
norm = Normaliser(reference)
head = nn.Linear(8, 1)
out = head(norm(torch.randn(10, 8) * 4 + 2))
'''


def test_a_min_max_scaler_reduces_both_bounds_over_the_samples(sandbox):
    patched = patch(recipe, MIN_MAX, sandbox.facts(MIN_MAX, "RuntimeError"))
    assert "hi = train.max(dim=0, keepdim=True).values\n" in patched and "lo = train.min(dim=0, keepdim=True).values\n" in patched
    meant = ("expected = (val - train.amin(0)) / (train.amax(0) - train.amin(0))\n"
             "assert scaled.shape == (16, 5) and torch.allclose(scaled, expected)\n")
    sandbox.assert_clean(patched + meant)


def test_a_normaliser_fitted_in_init_agrees_on_the_sample_axis(sandbox):
    patched = patch(recipe, NORMALISER, sandbox.facts(NORMALISER, "RuntimeError"))
    assert "        self.scale = reference.std(dim=0, keepdim=True) + 1e-5\n" in patched
    meant = ("x = torch.ones(3, 8)\n"
             "assert torch.allclose(norm(x), (x - reference.mean(0)) / (reference.std(0) + 1e-5))\n"
             "assert out.shape == (10, 1)\n")
    sandbox.assert_clean(patched + meant)


def test_a_lone_statistic_is_left_alone(sandbox):
    lone = MIN_MAX.replace("scaled = (val - lo) / (hi - lo)", "scaled = val / hi")
    assert not applies(recipe, lone, sandbox.facts(lone, "RuntimeError"))


def test_siblings_that_agree_are_left_alone(sandbox):
    agreeing = NORMALISER.replace("reference.mean(dim=0, keepdim=True)", "reference.mean(dim=-1, keepdim=True)")
    assert not applies(recipe, agreeing, sandbox.facts(agreeing, "RuntimeError"))


PER_CHANNEL_CONSTANTS = '''\
import torch

images = torch.rand(4, 3, 8, 8)
mean = torch.tensor([0.5, 0.4, 0.3])
std = torch.tensor([0.2, 0.2, 0.2])
x = (images - mean) / std
'''


def test_constants_without_a_reduction_are_left_alone(sandbox):
    assert not applies(recipe, PER_CHANNEL_CONSTANTS, sandbox.facts(PER_CHANNEL_CONSTANTS, "RuntimeError"))
