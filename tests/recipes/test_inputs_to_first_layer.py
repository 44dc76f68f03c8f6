"""inputs-to-first-layer: an nn.Sequential whose first layer needs several inputs is called with them.

The situation: the stack's first module takes (x, extra) and the rest post-process its output;
Sequential passes one value, so the call fails. The fix gives the first layer every input and
the rest its output. Shapes:
- a masked pooling then a LayerNorm, built in a model's constructor;
- a conditioning block (x, condition) then activation and Linear, at module level;
- a file class taking (x, scale) followed by another file class taking one input.
Left alone: a stack whose layers all take the inputs (loop-over-blocks' case), and one whose first
layer takes one input (the extra input is not for it).
"""

from tests.recipes.kbfix import applies, facts_on_line, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import inputs_to_first_layer as recipe

POOL_THEN_NORM = '''\
import torch
import torch.nn as nn


class MeanOverValid(nn.Module):
    def forward(self, h, valid):
        weights = valid.unsqueeze(-1).float()
        return (h * weights).sum(1) / weights.sum(1).clamp(min=1)


class Reader(nn.Module):
    def __init__(self, dim=6):
        super().__init__()
        self.embed = nn.Linear(3, dim)
        self.summary = nn.Sequential(MeanOverValid(), nn.LayerNorm(dim))

    def forward(self, x, valid):
        return self.summary(self.embed(x), valid)


torch.manual_seed(0)
x, valid = torch.randn(2, 4, 3), torch.tensor([[1, 1, 0, 0], [1, 1, 1, 1]]).bool()
reader = Reader()
out = reader(x, valid)
'''

CONDITIONED = '''\
import torch
from torch import nn


class FiLM(nn.Module):
    def __init__(self, width, cond):
        super().__init__()
        self.scale, self.shift = nn.Linear(cond, width), nn.Linear(cond, width)

    def forward(self, x, c):
        return x * self.scale(c) + self.shift(c)


torch.manual_seed(0)
head = nn.Sequential(FiLM(8, 2), nn.GELU(), nn.Linear(8, 1))
x, c = torch.randn(5, 8), torch.randn(5, 2)
y = head(x, c)
'''

FILE_CLASSES = '''\
import torch
import torch.nn as nn


class Scaled(nn.Module):
    def forward(self, x, scale):
        return x * scale


class Squash(nn.Module):
    def forward(self, x):
        return torch.tanh(x)


stack = nn.Sequential(Scaled(), Squash())
value = stack(torch.ones(3), torch.tensor(2.0))
'''


def test_masked_pooling_then_norm(sandbox):
    patched = patch(recipe, POOL_THEN_NORM, sandbox.facts(POOL_THEN_NORM, "TypeError"))
    assert "        return self.summary[1](self.summary[0](self.embed(x), valid))\n" in patched
    check = ("expected = reader.summary[1]((reader.embed(x)[0, :2]).mean(0))\n"
             "assert out.shape == (2, 6) and torch.allclose(out[0], expected, atol=1e-6)\n")
    sandbox.assert_clean(patched + check)


def test_conditioning_block_then_two_layers(sandbox):
    patched = patch(recipe, CONDITIONED, sandbox.facts(CONDITIONED, "TypeError"))
    assert "y = head[1:](head[0](x, c))\n" in patched
    sandbox.assert_clean(patched + "assert y.shape == (5, 1) and set(head.state_dict()) >= {'0.scale.weight', '2.bias'}\n")


def test_two_classes_of_the_file(sandbox):
    patched = patch(recipe, FILE_CLASSES, sandbox.facts(FILE_CLASSES, "TypeError"))
    assert "value = stack[1](stack[0](torch.ones(3), torch.tensor(2.0)))\n" in patched
    sandbox.assert_clean(patched + "assert torch.allclose(value, torch.tanh(torch.tensor(2.0)).expand(3))\n")


def _facts(source: str, text: str) -> Facts:
    return facts_on_line(source, text, "TypeError", "Sequential.forward() takes 2 positional arguments but 3 were given")


def test_a_stack_of_blocks_that_all_take_the_inputs_is_left_alone():
    source = FILE_CLASSES.replace("class Squash(nn.Module):\n    def forward(self, x):",
                                  "class Squash(nn.Module):\n    def forward(self, x, scale):")
    assert not applies(recipe, source, _facts(source, "value = stack("))


def test_a_first_layer_of_one_input_is_left_alone():
    source = CONDITIONED.replace("head = nn.Sequential(FiLM(8, 2), nn.GELU(), nn.Linear(8, 1))",
                                 "head = nn.Sequential(nn.Linear(8, 8), FiLM(8, 2), nn.Linear(8, 1))")
    assert not applies(recipe, source, _facts(source, "y = head("))
