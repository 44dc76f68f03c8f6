from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import forward_self_parameter as recipe

ACTIVATION_WITHOUT_SELF = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)


class Swish(nn.Module):
    def forward(x):
        return x * torch.sigmoid(x)


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(10, 20), Swish(), nn.Linear(20, 1))

    def forward(self, x):
        return self.net(x)


model = MLP()
x = torch.randn(8, 10)
out = model(x)
'''

# The activation computes x * sigmoid(x) on the hidden layer.
SWISH_APPLIED = '''
hidden = model.net[0](x)
assert torch.allclose(out, model.net[2](hidden * torch.sigmoid(hidden)))
'''

TWO_INPUTS = '''\
import torch
import torch.nn as nn


class MaskedMean(nn.Module):
    def forward(x, mask):
        return (x * mask).sum(1) / mask.sum(1)


pool = MaskedMean()
x = torch.arange(6.).view(1, 3, 2)
mask = torch.tensor([[[1.0], [1.0], [0.0]]])
pooled = pool(x, mask)
assert pooled.tolist() == [[1.0, 2.0]]
'''


def test_self_is_declared_for_a_forward_without_it(sandbox):
    patched = patch(recipe, ACTIVATION_WITHOUT_SELF, sandbox.facts(ACTIVATION_WITHOUT_SELF, "TypeError"))
    assert "class Swish(nn.Module):\n    def forward(self, x):\n" in patched
    sandbox.assert_clean(patched + SWISH_APPLIED)


def test_a_forward_of_two_inputs_without_self(sandbox):
    patched = patch(recipe, TWO_INPUTS, sandbox.facts(TWO_INPUTS, "TypeError"))
    assert "    def forward(self, x, mask):\n" in patched
    sandbox.assert_clean(patched)


def test_no_match_when_forward_has_self_or_is_static():
    message = "Block.forward() takes 2 positional arguments but 3 were given"
    facts = Facts("TypeError", message, line=5, lines=(5,))
    with_self = "import torch.nn as nn\nclass Block(nn.Module):\n    def forward(self, x):\n        return x\nBlock()(a, b)\n"
    assert not applies(recipe, with_self, facts)
    static = with_self.replace("    def forward(self, x)", "    @staticmethod\n    def forward(x, y)")
    assert not applies(recipe, static, facts)
    assert applies(recipe, static.replace("    @staticmethod\n", ""), facts)
