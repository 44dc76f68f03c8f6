"""linear-in-features where the head is a layer of an `nn.Sequential` whose in_features comes from
arithmetic the file cannot follow (a helper's result, a loop over channel lists).

The situation: a conv stack's flattened size is worked out wrongly, so the head's Linear is built
for a number of features the input does not have; the message gives the true number. Shapes:
- a class's `self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(..., 64), ...)` called on the
  failing line, the spatial size from a helper function;
- a module-level `nn.Sequential(*blocks, nn.Flatten(), nn.Linear(...))` called as `model(x)`;
- the Linear inside a nested stack.
Left alone: two Linears of the stack that both could be the one, and a message whose sizes fit
no layer of the called stack.
"""

from tests.recipes.kbfix import applies, facts_on_line, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import linear_in_features as recipe

HELPER_SIDE = '''\
import torch
import torch.nn as nn


def side_after(size, pools):
    return size // (2 * pools)


class Net(nn.Module):
    def __init__(self, size=32, width=16, pools=3):
        super().__init__()
        blocks = []
        cin = 3
        for _ in range(pools):
            blocks += [nn.Conv2d(cin, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
            cin = width
        self.features = nn.Sequential(*blocks)
        side = side_after(size, pools)
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(width * side * side, 64), nn.ReLU(), nn.Linear(64, 5))

    def forward(self, x):
        return self.classifier(self.features(x))


net = Net()
out = net(torch.randn(2, 3, 32, 32))
'''

MODULE_STACK = '''\
import math
import torch
from torch import nn

shape = (8, 6, 6)
blocks = [nn.Conv2d(1, 8, 3), nn.ReLU(), nn.MaxPool2d(2)]
model = nn.Sequential(*blocks, nn.Flatten(), nn.Linear(math.prod(shape), 10))
out = model(torch.randn(4, 1, 20, 20))
'''

NESTED_STACK = '''\
import torch
import torch.nn as nn


def flat_size(channels, length):
    return channels * length // 2


class Tagger(nn.Module):
    def __init__(self, channels=4, length=50):
        super().__init__()
        self.net = nn.Sequential(
            nn.Sequential(nn.Conv1d(1, channels, 5), nn.ReLU(), nn.MaxPool1d(2)),
            nn.Flatten(),
            nn.Sequential(nn.Linear(flat_size(channels, length), 32), nn.ReLU()),
            nn.Linear(32, 3),
        )

    def forward(self, x):
        return self.net(x)


out = Tagger()(torch.randn(6, 1, 50))
'''


def test_head_of_a_class_stack_from_a_helper_size(sandbox):
    patched = patch(recipe, HELPER_SIDE, sandbox.facts(HELPER_SIDE, "RuntimeError"))
    assert "nn.Flatten(), nn.Linear(256, 64), nn.ReLU(), nn.Linear(64, 5))" in patched
    sandbox.assert_clean(patched + "assert out.shape == (2, 5)\n")


def test_module_level_stack_called_as_model(sandbox):
    patched = patch(recipe, MODULE_STACK, sandbox.facts(MODULE_STACK, "RuntimeError"))
    assert "nn.Flatten(), nn.Linear(648, 10))" in patched
    sandbox.assert_clean(patched + "assert out.shape == (4, 10)\n")


def test_linear_of_a_nested_stack(sandbox):
    patched = patch(recipe, NESTED_STACK, sandbox.facts(NESTED_STACK, "RuntimeError"))
    assert "nn.Sequential(nn.Linear(92, 32), nn.ReLU())," in patched
    sandbox.assert_clean(patched + "assert out.shape == (6, 3)\n")


def _facts(source: str, message: str) -> Facts:
    return facts_on_line(source, "out = model(", "RuntimeError", message)


def test_two_layers_that_could_be_the_one_are_left_alone():
    source = MODULE_STACK.replace("nn.Linear(math.prod(shape), 10))",
                                  "nn.Linear(math.prod(shape), 10), nn.Linear(len(shape), 10))")
    assert not applies(recipe, source, _facts(source, "mat1 and mat2 shapes cannot be multiplied (4x648 and 288x10)"))


def test_sizes_that_fit_no_layer_of_the_stack_are_left_alone():
    message = "mat1 and mat2 shapes cannot be multiplied (4x648 and 288x12)"
    assert not applies(recipe, MODULE_STACK, _facts(MODULE_STACK, message))
