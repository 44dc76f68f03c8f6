from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import float32_input as recipe

PANDAS_STYLE = '''\
import numpy as np
import torch
import torch.nn as nn

table = np.loadtxt(["1.0,2.0,3.0,0.5", "2.0,1.0,0.0,1.5", "0.5,0.5,0.5,0.5"], delimiter=",")
X, y = torch.tensor(table[:, :3]), torch.tensor(table[:, 3:]).float()

class Regressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 1))

    def forward(self, x):
        return self.net(x)

def fit(model, inputs, targets, steps=3):
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    for _ in range(steps):
        loss = nn.functional.mse_loss(model(inputs), targets)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return loss.item()

print(fit(Regressor(), X, y))
'''


def test_converts_the_input_where_it_enters_the_model(sandbox):
    facts = sandbox.facts(PANDAS_STYLE, "RuntimeError")
    patched = patch(recipe, PANDAS_STYLE, facts)
    assert "loss = nn.functional.mse_loss(model(inputs.float()), targets)" in patched
    sandbox.assert_clean(patched)


def test_double_conversion_becomes_float(sandbox):
    broken = ("import torch\nfrom torch import nn\nconv = nn.Conv2d(1, 2, 3)\nimg = torch.rand(1, 1, 8, 8)\n"
              "print(conv(img.double()).shape)\n")
    patched = patch(recipe, broken, sandbox.facts(broken, "RuntimeError"))
    assert "print(conv(img.float()).shape)" in patched
    sandbox.assert_clean(patched)


def test_float_input_into_double_model_is_not_this_fix():
    tree = ("y = model(x)\n")
    assert not applies(recipe, tree, Facts("RuntimeError", "mat1 and mat2 must have the same dtype, but got Float and Double",
                                        line=1, lines=(1,)))
