from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import float_for_float_op as recipe

CHANNEL_STATS = '''\
import torch


def channel_stats(images):
    """Per-channel mean and std of a batch of uint8 images, for Normalize."""
    mean = images.mean(dim=(0, 2, 3))
    std = images.std(dim=(0, 2, 3))
    return mean, std


batch = torch.randint(0, 256, (8, 3, 4, 4), dtype=torch.uint8)
mean, std = channel_stats(batch)
assert mean.shape == (3,) and torch.allclose(mean, batch.double().mean(dim=(0, 2, 3)).float())
'''

ENSEMBLE_VOTES = '''\
import torch
import torch.nn.functional as F

votes = torch.tensor([[3, 1, 0], [0, 2, 2]])        # how many models voted for each class
weights = F.softmax(votes, dim=-1)
assert torch.allclose(weights.sum(dim=-1), torch.ones(2)) and weights.dtype == torch.float32
'''

NOISY_IDS = '''\
import torch

ids = torch.arange(6).reshape(2, 3)
noisy = ids + 0.1 * torch.randn_like(ids)
assert noisy.dtype == torch.float32 and (noisy - ids).abs().max() < 1.0
'''

LEARNED_SCALE = '''\
import torch
import torch.nn as nn


class Scaled(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.arange(1, 5))

    def forward(self, x):
        return x * self.scale


m = Scaled()
m(torch.ones(2, 4)).sum().backward()
assert m.scale.grad.shape == (4,)
'''

LABEL_MAP_RESIZE = '''\
import torch
import torch.nn.functional as F

mask = torch.randint(0, 5, (2, 1, 8, 8))
small = F.interpolate(mask, size=(4, 4), mode="nearest")
assert small.dtype == torch.long and set(small.unique().tolist()) <= set(range(5))
'''


def test_statistics_of_uint8_images_in_a_helper(sandbox):
    patched = patch(recipe, CHANNEL_STATS, sandbox.facts(CHANNEL_STATS, "RuntimeError"))
    assert "    mean = images.float().mean(dim=(0, 2, 3))\n" in patched
    assert "    std = images.float().std(dim=(0, 2, 3))\n" in patched     # the same tensor, next line
    sandbox.assert_clean(patched)


def test_softmax_of_integer_votes(sandbox):
    patched = patch(recipe, ENSEMBLE_VOTES, sandbox.facts(ENSEMBLE_VOTES, "NotImplementedError"))
    assert "weights = F.softmax(votes.float(), dim=-1)" in patched
    sandbox.assert_clean(patched)


def test_noise_like_integer_ids_is_float(sandbox):
    patched = patch(recipe, NOISY_IDS, sandbox.facts(NOISY_IDS, "NotImplementedError"))
    assert "noisy = ids + 0.1 * torch.randn_like(ids, dtype=torch.float32)" in patched
    sandbox.assert_clean(patched)


def test_parameter_of_integer_values(sandbox):
    patched = patch(recipe, LEARNED_SCALE, sandbox.facts(LEARNED_SCALE, "RuntimeError"))
    assert "self.scale = nn.Parameter(torch.arange(1, 5).float())" in patched
    sandbox.assert_clean(patched)


def test_label_map_stays_integer_after_nearest_resize(sandbox):
    patched = patch(recipe, LABEL_MAP_RESIZE, sandbox.facts(LABEL_MAP_RESIZE, "NotImplementedError"))
    assert 'small = F.interpolate(mask.float(), size=(4, 4), mode="nearest").to(mask.dtype)' in patched
    sandbox.assert_clean(patched)


def test_no_match_for_numpy_or_layers_on_the_line():
    message = "mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: Long"
    source = "import numpy as np\nimport torch\nm = np.mean(values)\n"
    assert not applies(recipe, source, Facts("RuntimeError", message, line=3, lines=(3,)))
