from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import modules_as_arguments as recipe

MLP = '''\
import torch
import torch.nn as nn


class Regressor(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        layers = []
        for i, (d_in, d_out) in enumerate(zip(sizes, sizes[1:])):
            layers.append(nn.Linear(d_in, d_out))
            if i < len(sizes) - 2:
                layers.append(nn.ReLU())
        self.net = nn.Sequential(layers)

    def forward(self, x):
        return self.net(x)


torch.manual_seed(0)
model = Regressor([16, 32, 32, 4])
out = model(torch.randn(8, 16))
'''


def test_a_list_of_layers_is_unpacked(sandbox):
    patched = patch(recipe, MLP, sandbox.facts(MLP, "TypeError"))
    assert "        self.net = nn.Sequential(*layers)\n" in patched
    sandbox.assert_clean(patched + "assert out.shape == (8, 4) and len(model.net) == 5\n"
                                   "assert sum(p.numel() for p in model.parameters()) == 16*32+32 + 32*32+32 + 32*4+4\n")


FUNCTIONS = '''\
import torch
from torch import nn
import torch.nn.functional as F


def head(dim, classes, activation=F.gelu):
    return nn.Sequential(nn.Linear(dim, dim), activation, nn.Dropout(0.0), nn.Linear(dim, classes))


torch.manual_seed(0)
block = nn.Sequential(nn.Linear(6, 6), torch.tanh)
classifier = head(6, 3)
x = torch.randn(4, 6)
scores = classifier(block(x))
'''

# The module versions compute what the functions did.
SAME_RESULT = '''
hidden = torch.tanh(block[0](x))
expected = classifier[3](F.gelu(classifier[0](hidden)))
assert torch.allclose(scores, expected)
'''


def test_functions_become_their_modules(sandbox):
    facts = sandbox.facts(FUNCTIONS, "TypeError")
    patched = patch(recipe, FUNCTIONS, facts)
    assert "block = nn.Sequential(nn.Linear(6, 6), nn.Tanh())\n" in patched
    second = patch(recipe, patched, sandbox.facts(patched, "TypeError"))
    assert "def head(dim, classes, activation=nn.GELU()):\n" in second
    sandbox.assert_clean(second + SAME_RESULT)


def test_an_uninstantiated_layer_class_is_called():
    facts = Facts("TypeError", "torch.nn.modules.activation.ReLU is not a Module subclass", line=1, lines=(1,))
    assert patch(recipe, "net = nn.Sequential(nn.Linear(2, 2), nn.ReLU)\n", facts) == (
        "net = nn.Sequential(nn.Linear(2, 2), nn.ReLU())\n")


LAMBDA_IN_LAYERS = '''\
import torch
import torch.nn as nn


def conv_classifier(channels, classes, size):
    layers = [nn.Conv2d(1, channels, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
    layers.append(lambda t: t.flatten(1))
    layers.append(nn.Linear(channels * (size // 2) ** 2, classes))
    return nn.Sequential(*layers)


torch.manual_seed(0)
net = conv_classifier(4, 3, 8)
images = torch.randn(5, 1, 8, 8)
scores = net(images)
'''

# The lambda runs where it stood: pooled maps flattened into the classifier.
SAME_LAMBDA = '''
assert scores.shape == (5, 3) and len(net) == 5
expected = net[4](net[2](net[1](net[0](images))).flatten(1))
assert torch.allclose(scores, expected)
'''


def test_a_lambda_is_wrapped_in_a_module_calling_it(sandbox):
    patched = patch(recipe, LAMBDA_IN_LAYERS, sandbox.facts(LAMBDA_IN_LAYERS, "TypeError"))
    assert "    layers.append(Lambda(lambda t: t.flatten(1)))\n" in patched
    assert "class Lambda(nn.Module):\n" in patched
    sandbox.assert_clean(patched + SAME_LAMBDA)


FUNCTION_OF_THE_FILE = '''\
import torch
from torch import nn


def standardise(x, eps=1e-5):
    return (x - x.mean(dim=1, keepdim=True)) / (x.std(dim=1, keepdim=True) + eps)


def squash(x, scale):
    return torch.tanh(x / scale)


torch.manual_seed(0)
encoder = nn.Sequential(nn.Linear(10, 6), standardise, nn.Linear(6, 2))
readings = torch.randn(7, 10)
codes = encoder(readings)
'''


def test_a_function_of_the_file_is_wrapped_where_it_is_a_layer(sandbox):
    patched = patch(recipe, FUNCTION_OF_THE_FILE, sandbox.facts(FUNCTION_OF_THE_FILE, "TypeError"))
    assert "encoder = nn.Sequential(nn.Linear(10, 6), Lambda(standardise), nn.Linear(6, 2))\n" in patched
    sandbox.assert_clean(patched + "assert torch.allclose(codes, encoder[2](standardise(encoder[0](readings))))\n")


def test_a_function_needing_two_inputs_is_left_alone():
    facts = Facts("TypeError", "__main__.squash is not a Module subclass", line=1, lines=(1,))
    code = FUNCTION_OF_THE_FILE.replace("standardise, nn.Linear", "squash, nn.Linear")
    assert not applies(recipe, code, facts)


BLOCKS = '''\
import torch
import torch.nn as nn
from torch.nn import GELU, LayerNorm, Linear, Sequential


class MixerBlock(nn.Module):
    def __init__(self, width=16, expansion=2):
        super().__init__()
        self.norm = LayerNorm(width)
        self.mlp = Sequential(Linear(width, width * expansion), GELU, Linear(width * expansion, width))

    def forward(self, x):
        return x + self.mlp(self.norm(x))


def count_blocks(model):
    return sum(isinstance(module, (MixerBlock, GELU)) for module in model.modules())


torch.manual_seed(0)
tokens = torch.randn(3, 5, 16)
stack = Sequential(MixerBlock(), MixerBlock)
mixed = stack(tokens)
'''


def test_classes_imported_by_name_and_classes_of_the_file_are_called(sandbox):
    patched = patch(recipe, BLOCKS, sandbox.facts(BLOCKS, "TypeError"))
    assert "Sequential(Linear(width, width * expansion), GELU(), Linear(width * expansion, width))" in patched
    second = patch(recipe, patched, sandbox.facts(patched, "TypeError"))
    assert "stack = Sequential(MixerBlock(), MixerBlock())\n" in second
    sandbox.assert_clean(second + "assert mixed.shape == (3, 5, 16) and isinstance(stack[1].mlp[1], nn.GELU)\n"
                                  "assert torch.allclose(mixed, stack[1](stack[0](tokens))) and count_blocks(stack) == 4\n")


def test_a_class_of_the_file_that_needs_arguments_is_left_alone():
    facts = Facts("TypeError", "__main__.MixerBlock is not a Module subclass", line=1, lines=(1,))
    code = BLOCKS.replace("def __init__(self, width=16, expansion=2)", "def __init__(self, width, expansion=2)")
    assert not applies(recipe, code, facts)


MLP_FROM_SETTINGS = '''\
import torch
import torch.nn as nn
import torch.nn.functional as F

SETTINGS = {"sizes": [6, 12, 12, 3], "activation": "tanh"}


def mlp(sizes, activation):
    act = getattr(F, activation)
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes, sizes[1:])):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers.append(act)
    return nn.Sequential(*layers)


torch.manual_seed(0)
model = mlp(SETTINGS["sizes"], SETTINGS["activation"])
x = torch.randn(5, 6)
out = model(x)
'''

# The activation named in the settings, as a module between the layers: the same function.
SAME_NETWORK = '''
assert isinstance(model[1], nn.Tanh) and isinstance(model[3], nn.Tanh) and len(model) == 5
expected = model[4](torch.tanh(model[2](torch.tanh(model[0](x)))))
assert out.shape == (5, 3) and torch.allclose(out, expected)
'''


def test_a_function_picked_by_name_becomes_the_module_of_that_name(sandbox):
    patched = patch(recipe, MLP_FROM_SETTINGS, sandbox.facts(MLP_FROM_SETTINGS, "TypeError"))
    assert "    act = ACTIVATION_MODULES[activation]()\n" in patched
    assert '\nACTIVATION_MODULES = {  # the module computing each activation function\n' in patched
    assert '    "tanh": nn.Tanh,\n' in patched and '    "gelu": nn.GELU,\n' in patched
    sandbox.assert_clean(patched + SAME_NETWORK)


TABLE_OF_FUNCTIONS = '''\
import torch
from torch import nn
import torch.nn.functional as F

NONLINEARITY = {"silu": F.silu, "sigmoid": torch.sigmoid}


class Tower(nn.Module):
    def __init__(self, widths, nonlinearity="silu"):
        super().__init__()
        blocks = []
        for n_in, n_out in zip(widths, widths[1:]):
            blocks += [nn.Linear(n_in, n_out), NONLINEARITY[nonlinearity]]
        self.body = nn.Sequential(*blocks)

    def forward(self, x):
        return self.body(x)


torch.manual_seed(0)
tower = Tower([4, 8, 2])
x = torch.randn(3, 4)
out = tower(x)
'''

# SiLU after each linear layer, as the table meant
SAME_TOWER = '''
assert isinstance(tower.body[1], nn.SiLU) and isinstance(tower.body[3], nn.SiLU) and len(tower.body) == 4
assert torch.allclose(out, F.silu(tower.body[2](F.silu(tower.body[0](x)))))
'''


def test_a_table_of_functions_becomes_a_table_of_module_classes(sandbox):
    patched = patch(recipe, TABLE_OF_FUNCTIONS, sandbox.facts(TABLE_OF_FUNCTIONS, "TypeError"))
    assert 'NONLINEARITY = {"silu": nn.SiLU, "sigmoid": nn.Sigmoid}\n' in patched
    assert "            blocks += [nn.Linear(n_in, n_out), NONLINEARITY[nonlinearity]()]\n" in patched
    sandbox.assert_clean(patched + SAME_TOWER)


def test_a_table_also_called_as_a_function_is_left_alone():
    facts = Facts("TypeError", "torch._C._nn.gelu is not a Module subclass", line=4, lines=(4,))
    code = ('import torch.nn.functional as F\nACT = {"gelu": F.gelu}\ny = ACT["gelu"](x)\n'
            'net = nn.Sequential(nn.Linear(2, 2), ACT["gelu"])\n')
    assert not applies(recipe, code, facts)


def test_a_table_holding_a_function_without_a_module_is_left_alone():
    facts = Facts("TypeError", "torch._C._nn.gelu is not a Module subclass", line=3, lines=(3,))
    code = ('import torch.nn.functional as F\nACT = {"gelu": F.gelu, "square": torch.square}\n'
            'net = nn.Sequential(nn.Linear(2, 2), ACT["gelu"])\n')
    assert not applies(recipe, code, facts)
