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
