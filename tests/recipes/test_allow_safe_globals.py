from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import allow_safe_globals as recipe

RESUME_WITH_ARGS = '''\
import argparse
import io

import torch
from torch import nn


def train(args):
    model = nn.Sequential(nn.Linear(4, args.hidden), nn.ReLU(), nn.Linear(args.hidden, 2))
    buffer = io.BytesIO()   # stands in for "last.pt"
    torch.save({"model": model.state_dict(), "args": args, "epoch": 3}, buffer)
    return model, buffer


def resume(buffer, hidden):
    buffer.seek(0)
    checkpoint = torch.load(buffer, map_location="cpu")
    model = nn.Sequential(nn.Linear(4, hidden), nn.ReLU(), nn.Linear(hidden, 2))
    model.load_state_dict(checkpoint["model"])
    return model, checkpoint


parser = argparse.ArgumentParser()
parser.add_argument("--hidden", type=int, default=8)
args = parser.parse_args([])
trained, saved = train(args)
restored, checkpoint = resume(saved, args.hidden)
'''

# The safe loader stays on (a pickled function is still refused) and the weights arrive.
LOADED_SAFELY = '''
x = torch.randn(3, 4)
assert torch.equal(restored(x), trained(x)) and checkpoint["args"].hidden == 8
evil = io.BytesIO()
torch.save({"f": print}, evil)
evil.seek(0)
try:
    torch.load(evil)
    raise SystemExit("weights_only is off")
except __import__("pickle").UnpicklingError:
    pass
'''


def test_allowlists_the_namespace_before_the_load(sandbox):
    patched = patch(recipe, RESUME_WITH_ARGS, sandbox.facts(RESUME_WITH_ARGS, "UnpicklingError"))
    assert ("    torch.serialization.add_safe_globals([argparse.Namespace])\n"
            '    checkpoint = torch.load(buffer, map_location="cpu")\n') in patched
    sandbox.assert_clean(patched + LOADED_SAFELY)


def test_imports_the_module_of_the_allowlisted_type():
    message = ("Weights only load failed. WeightsUnpickler error: Unsupported global: GLOBAL pathlib.PosixPath was "
               "not an allowed global by default.")
    code = "import torch\nfrom pathlib import Path\nckpt = torch.load(Path('a.pt'))\n"
    patched = patch(recipe, code, Facts("UnpicklingError", message))
    assert patched == ("import torch\nfrom pathlib import Path\nimport pathlib\n"
                       "torch.serialization.add_safe_globals([pathlib.PosixPath])\nckpt = torch.load(Path('a.pt'))\n")


def test_no_allowlisting_of_the_users_own_classes():
    message = ("Weights only load failed. WeightsUnpickler error: Unsupported global: GLOBAL __main__.Net was "
               "not an allowed global by default.")
    assert not applies(recipe, "import torch\nmodel = torch.load('model.pt')\n", Facts("UnpicklingError", message))


BEST_SCORE_AS_NUMPY = '''\
import io

import numpy as np
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(6, width), nn.ReLU(), nn.Linear(width, 3))

    def forward(self, x):
        return self.body(x)


torch.manual_seed(0)
xs, ys = torch.randn(64, 6), torch.randint(0, 3, (64,))
model = Net(16)
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
best, path = np.float64(0.0), io.BytesIO()
for epoch in range(5):
    opt.zero_grad()
    nn.functional.cross_entropy(model(xs), ys).backward()
    opt.step()
    acc = np.mean((model(xs).argmax(1) == ys).numpy())
    if acc > best:
        best = acc
        path = io.BytesIO()
        torch.save({"state": model.state_dict(), "best_acc": best, "epoch": epoch}, path)
        path.seek(0)

ckpt = torch.load(path)
restored = Net(16)
restored.load_state_dict(ckpt["state"])
'''


def test_numpy_scalar_then_its_dtype_class_join_one_allowlist(sandbox):
    first = patch(recipe, BEST_SCORE_AS_NUMPY, sandbox.facts(BEST_SCORE_AS_NUMPY, "UnpicklingError"))
    assert "\ntorch.serialization.add_safe_globals([np._core.multiarray.scalar, np.dtype])\n\nckpt = torch.load(path)\n" in first
    assert "import numpy\n" not in first
    second = patch(recipe, first, sandbox.facts(first, "UnpicklingError"))
    assert ("\ntorch.serialization.add_safe_globals([np._core.multiarray.scalar, np.dtype, np.dtypes.Float64DType])\n"
            "\nckpt = torch.load(path)\n") in second
    sandbox.assert_clean(second + '''
assert float(ckpt["best_acc"]) == float(best) and isinstance(ckpt["best_acc"], np.float64)
assert np.mean((restored(xs).argmax(1) == ys).numpy()) == best
''')


CONFIG_DATACLASS = '''\
import io
from dataclasses import dataclass

import torch
from torch import nn


@dataclass
class TrainConfig:
    in_dim: int = 12
    hidden: int = 32
    name: str = "mlp"


def make_model(cfg):
    return nn.Sequential(nn.Linear(cfg.in_dim, cfg.hidden), nn.ReLU(), nn.Linear(cfg.hidden, 1))


torch.manual_seed(4)
config = TrainConfig(hidden=20)
net = make_model(config)
disk = io.BytesIO()
torch.save({"config": config, "model": net.state_dict()}, disk)
disk.seek(0)

payload = torch.load(disk)
rebuilt = make_model(payload["config"])
rebuilt.load_state_dict(payload["model"])
'''


def test_allowlists_a_config_dataclass_the_script_defines(sandbox):
    patched = patch(recipe, CONFIG_DATACLASS, sandbox.facts(CONFIG_DATACLASS, "UnpicklingError"))
    assert "disk.seek(0)\ntorch.serialization.add_safe_globals([TrainConfig])\n\npayload = torch.load(disk)\n" in patched
    sandbox.assert_clean(patched + '''
x = torch.randn(3, 12)
assert payload["config"] == TrainConfig(hidden=20) and torch.equal(rebuilt(x), net(x))
''')


def test_no_allowlisting_of_types_the_safe_loader_cannot_rebuild(sandbox):
    code = '''\
import io
from collections import defaultdict
import torch
history = defaultdict(list)
history["loss"].append(0.5)
buffer = io.BytesIO()
torch.save({"history": history}, buffer)
buffer.seek(0)
state = torch.load(buffer)
'''
    assert not applies(recipe, code, sandbox.facts(code, "UnpicklingError"))
