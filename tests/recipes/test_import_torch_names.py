from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import import_torch_names as recipe

TUTORIAL_COPY = '''\
import torch


class ConvNet(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.conv = nn.Conv2d(1, 8, 3, padding=1)
        self.fc = nn.Linear(8 * 14 * 14, classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv(x)), 2)
        return self.fc(torch.flatten(x, 1))


torch.manual_seed(0)
model = ConvNet()
opt = torch.optim.SGD(model.parameters(), lr=0.01)
images, labels = torch.randn(16, 1, 28, 28), torch.randint(0, 10, (16,))
losses = []
for step in range(5):
    loss = F.cross_entropy(model(images), labels)
    losses.append(loss.item())
    opt.zero_grad()
    loss.backward()
    opt.step()
'''

# The model is the nn.Module it was written as, and it trains on the same labels.
TRAINS = '''
assert isinstance(model, nn.Module) and model(images).shape == (16, 10)
assert losses[-1] < losses[0], losses
'''


def test_both_missing_modules_are_imported_above_the_existing_import(sandbox):
    patched = patch(recipe, TUTORIAL_COPY, sandbox.facts(TUTORIAL_COPY, "NameError"))
    assert patched.startswith("import torch.nn as nn\nimport torch.nn.functional as F\nimport torch\n\n\nclass")
    sandbox.assert_clean(patched + TRAINS)


HELPER_MODULE = '''\
"""Data helpers; the training script imports torch.nn as nn, this file forgot torch."""
from __future__ import annotations

import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


def make_loader(n: int, features: int, batch_size: int) -> DataLoader:
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(n, features, generator=generator)
    y = (x[:, 0] > 0).long()
    return DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=True, generator=generator)


def make_model(features: int) -> nn.Module:
    return nn.Sequential(nn.Linear(features, 16), nn.ReLU(), nn.Linear(16, 2))


loader = make_loader(40, 5, batch_size=10)
model = make_model(5)
sizes = [len(y) for _, y in loader]
'''


def test_torch_is_imported_after_the_future_import_and_docstring(sandbox):
    patched = patch(recipe, HELPER_MODULE, sandbox.facts(HELPER_MODULE, "NameError"))
    assert "from __future__ import annotations\n\nimport torch\nimport torch.nn as nn\n" in patched
    assert patched.count("import torch\n") == 1
    sandbox.assert_clean(patched + "assert sizes == [10, 10, 10, 10] and model(torch.randn(3, 5)).shape == (3, 2)\n")


def test_a_name_the_user_binds_is_left_alone():
    facts = Facts("NameError", "name 'F' is not defined", line=3, lines=(3,))
    features = "import torch.nn as nn\nF = 16\nlayer = nn.Linear(F, 2)\n"
    assert not applies(recipe, features, facts)
    in_a_function = "import torch\n\ndef forward(x, F):\n    return F.relu(x)\n"
    assert not applies(recipe, in_a_function, facts)
    assert patch(recipe, "import torch\ny = F.relu(torch.ones(2))\n", facts) == (
        "import torch.nn.functional as F\nimport torch\ny = F.relu(torch.ones(2))\n")


GENERATED_LAYER = '''\
import torch

LAYER_CODE = """
import torch.nn as nn


class Scale(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * self.weight
"""

namespace = {}
exec(compile(LAYER_CODE, "generated_layers.py", "exec"), namespace)
layer = namespace["Scale"](4)
out = layer(torch.arange(8.0).view(2, 4))
'''

# The generated layer has its learnable weight and computes with it.
LAYER_WORKS = '''
assert torch.equal(out, torch.arange(8.0).view(2, 4)) and list(layer.parameters())[0].shape == (4,)
'''


def test_code_kept_in_a_string_gets_the_import_it_lacks(sandbox):
    patched = patch(recipe, GENERATED_LAYER, sandbox.facts(GENERATED_LAYER, "NameError"))
    assert 'LAYER_CODE = """\nimport torch\nimport torch.nn as nn\n' in patched
    assert patched.count("import torch\n") == 2
    sandbox.assert_clean(patched + LAYER_WORKS)


def test_a_string_that_binds_the_name_itself_is_left_alone():
    facts = Facts("NameError", "name 'torch' is not defined", line=3, lines=(3,))
    code = 'import torch\nSRC = """\nimport torch\nx = torch.ones(1)\n"""\nexec(SRC, {})\n'
    assert not applies(recipe, code, facts)
