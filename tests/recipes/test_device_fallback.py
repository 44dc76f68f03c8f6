import torch

from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import device_fallback as recipe

# A CPU-only build asserts it has no CUDA; a CUDA build with no visible GPU raises RuntimeError.
NO_GPU_ERROR = "AssertionError" if torch.version.cuda is None else "RuntimeError"
HIDE_GPUS = 'import os\nos.environ["CUDA_VISIBLE_DEVICES"] = ""   # a machine without a GPU\n'

HARD_CODED = HIDE_GPUS + '''\
import torch
from torch import nn

torch.manual_seed(0)
device = torch.device("cuda")

model = nn.Sequential(nn.Linear(12, 32), nn.ReLU(), nn.Linear(32, 3))
model = model.to(device)
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
x, y = torch.randn(64, 12), torch.randint(0, 3, (64,))
first = None
for step in range(30):
    loss = nn.functional.cross_entropy(model(x.to(device)), y.to(device))
    first = first if first is not None else loss.item()
    opt.zero_grad()
    loss.backward()
    opt.step()
'''

TRAINS = '''
assert loss.item() < first, (first, loss.item())
'''

CONFIG_AND_CUDA_CALLS = HIDE_GPUS + '''\
import argparse

import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(x)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cuda:0")
    args = parser.parse_args([])
    model = Net().cuda()
    x = torch.randn(8, 4).cuda(non_blocking=True)
    out = model(x)
    noise = torch.zeros(8, 2, device=args.device)
    return out + noise


result = main()
assert result.shape == (8, 2) and result.device.type == ("cuda" if torch.cuda.is_available() else "cpu")
'''


def test_the_hard_coded_device_is_chosen_from_what_is_available(sandbox):
    patched = patch(recipe, HARD_CODED, sandbox.facts(HARD_CODED, NO_GPU_ERROR))
    assert 'device = torch.device("cuda" if torch.cuda.is_available() else "cpu")\n' in patched
    assert patched.count("is_available()") == 1
    sandbox.assert_clean(patched + TRAINS)


def test_cuda_calls_and_a_config_default_fall_back_too(sandbox):
    patched = patch(recipe, CONFIG_AND_CUDA_CALLS, sandbox.facts(CONFIG_AND_CUDA_CALLS, NO_GPU_ERROR))
    assert 'parser.add_argument("--device", default="cuda:0" if torch.cuda.is_available() else "cpu")' in patched
    assert 'model = Net().to("cuda" if torch.cuda.is_available() else "cpu")' in patched
    assert 'x = torch.randn(8, 4).to("cuda" if torch.cuda.is_available() else "cpu", non_blocking=True)' in patched
    sandbox.assert_clean(patched)


def test_moves_use_the_device_variable_defined_before_them():
    code = 'import torch\nDEVICE = "cuda"\nmodel = model.cuda()\nx = x.to(device="cuda")\n'
    patched = patch(recipe, code, Facts("AssertionError", "Torch not compiled with CUDA enabled"))
    assert patched == ('import torch\nDEVICE = "cuda" if torch.cuda.is_available() else "cpu"\nmodel = model.to(DEVICE)\n'
                       'x = x.to(device="cuda" if torch.cuda.is_available() else "cpu")\n')


def test_no_match_when_nothing_names_cuda():
    code = 'import torch\nname = "cuda"\nmodel = model.to(device)\n'
    assert not applies(recipe, code, Facts("AssertionError", "Torch not compiled with CUDA enabled"))
