from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import divisible_head_split as recipe

HEADS_FROM_MODULE_CONSTANTS = '''\
import torch
import torch.nn as nn

WIDTH = 60
HEADS = 8


class Attention(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.size_per_head = width // heads
        self.qkv = nn.Linear(width, 3 * width)

    def forward(self, x):
        n, t, _ = x.shape
        q, k, v = self.qkv(x).split(WIDTH, dim=-1)
        q, k, v = (z.view(n, t, self.heads, self.size_per_head).transpose(1, 2) for z in (q, k, v))
        weights = (q @ k.transpose(-1, -2)).softmax(-1)
        return (weights @ v).transpose(1, 2).reshape(n, t, WIDTH)


block = Attention(WIDTH, HEADS)
y = block(torch.randn(2, 7, WIDTH))
'''


def test_the_constant_that_sets_the_head_count_gets_a_divisor_of_the_width(sandbox):
    patched = patch(recipe, HEADS_FROM_MODULE_CONSTANTS, sandbox.facts(HEADS_FROM_MODULE_CONSTANTS, "RuntimeError"))
    assert "WIDTH = 60\nHEADS = 6\n" in patched
    sandbox.assert_clean(patched + "assert y.shape == (2, 7, 60) and block.heads * block.size_per_head == 60\n")


HEADS_FROM_A_DEFAULT = '''\
import torch
from torch import nn


class Mixer(nn.Module):
    def __init__(self, dim=96, n_head=7):
        super().__init__()
        self.n_head = n_head
        self.d_head = dim // n_head
        self.to_q = nn.Linear(dim, dim)
        self.to_k = nn.Linear(dim, dim)

    def forward(self, x):
        b, t, c = x.shape
        q = self.to_q(x).reshape(b, t, self.n_head, self.d_head).permute(0, 2, 1, 3)
        k = self.to_k(x).reshape(b, t, self.n_head, self.d_head).permute(0, 2, 1, 3)
        return (q @ k.transpose(-1, -2) / self.d_head ** 0.5).softmax(-1)


scores = Mixer()(torch.randn(3, 5, 96))
'''


def test_a_default_head_count_gets_a_divisor_of_the_default_width(sandbox):
    patched = patch(recipe, HEADS_FROM_A_DEFAULT, sandbox.facts(HEADS_FROM_A_DEFAULT, "RuntimeError"))
    assert "def __init__(self, dim=96, n_head=6):" in patched
    sandbox.assert_clean(patched + "assert scores.shape == (3, 6, 5, 5)\n")


SPLIT_MODULE = '''\
import torch
import torch.nn as nn


class Split(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.head_dim = width // heads

    def forward(self, x, batch):
        return x.view(batch, x.shape[1], self.heads, self.head_dim)


'''
EVEN_SPLIT_WRONG_BATCH = SPLIT_MODULE + '''\
cfg = {"width": 64, "heads": 8}
out = Split(cfg["width"], cfg["heads"])(torch.randn(3, 10, 64), batch=4)
'''


def test_not_when_the_heads_divide_the_width(sandbox):
    """The split is even; the hard-coded batch size is what breaks the view."""
    assert not applies(recipe, EVEN_SPLIT_WRONG_BATCH, sandbox.facts(EVEN_SPLIT_WRONG_BATCH, "RuntimeError"))


WIDTH_KNOWN_ONLY_AT_RUN_TIME = '''\
import torch


def split_heads(x, heads=8):
    b, t, c = x.shape
    return x.view(b, t, heads, c // heads)


parts = split_heads(torch.randn(2, 3, 100))
'''


def test_not_when_the_width_is_read_from_the_tensor(sandbox):
    facts = sandbox.facts(WIDTH_KNOWN_ONLY_AT_RUN_TIME, "RuntimeError")
    assert not applies(recipe, WIDTH_KNOWN_ONLY_AT_RUN_TIME, facts)


CORRECT_SPLIT = SPLIT_MODULE + '''\
cfg = {"width": 100, "heads": 5}
x = torch.randn(3, 10, 100)
out = Split(cfg["width"], cfg["heads"])(x, batch=x.shape[0])
assert out.shape == (3, 10, 5, 20)
'''


def test_correct_code_runs_without_an_error(sandbox):
    sandbox.assert_clean(CORRECT_SPLIT)
