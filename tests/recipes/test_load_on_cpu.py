from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import load_on_cpu as recipe

# torch.save asks registered taggers where each storage lives; one registered first that answers
# "cuda:0" for CPU storages writes exactly the file a GPU run writes, on this CPU-only machine.
GPU_CHECKPOINT = '''\
import io
import os

os.environ["CUDA_VISIBLE_DEVICES"] = ""   # the machine it is loaded on has no GPU

import torch
from torch import nn


def tag_as_gpu0(storage):
    return "cuda:0" if storage.device.type == "cpu" else None


torch.serialization.register_package(0, tag_as_gpu0, lambda storage, location: None)


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 2))

    def forward(self, x):
        return self.net(x)


torch.manual_seed(0)
trained = Classifier()
buffer = io.BytesIO()   # stands in for "checkpoint.pt"
torch.save({"model": trained.state_dict(), "epoch": 7}, buffer)

buffer.seek(0)
restored = Classifier()
checkpoint = torch.load(buffer, weights_only=True)
restored.load_state_dict(checkpoint["model"])
'''

# The trained weights, not fresh ones, are what the restored model now holds.
LOADED = '''
x = torch.randn(4, 6)
assert torch.equal(restored(x), trained(x)) and checkpoint["epoch"] == 7
assert checkpoint["model"]["net.0.weight"].device.type == "cpu"
'''


def test_loads_a_gpu_checkpoint_into_host_memory(sandbox):
    patched = patch(recipe, GPU_CHECKPOINT, sandbox.facts(GPU_CHECKPOINT, "RuntimeError"))
    assert 'checkpoint = torch.load(buffer, weights_only=True, map_location="cpu")' in patched
    sandbox.assert_clean(patched + LOADED)


def test_a_hard_coded_cuda_location_becomes_cpu():
    facts = Facts("RuntimeError", "Attempting to deserialize object on a CUDA device but torch.cuda.is_available() "
                                  "is False. If you are running on a CPU-only machine, please use torch.load with "
                                  "map_location=torch.device('cpu') to map your storages to the CPU.")
    code = "import torch\nstate = torch.load('ckpt.pt', map_location='cuda:0')\n"
    assert patch(recipe, code, facts).endswith("""state = torch.load('ckpt.pt', map_location="cpu")\n""")
    assert not applies(recipe, "import torch\nstate = torch.load('ckpt.pt', map_location=device)\n", facts)


def _gpu_file(body: str) -> str:
    """A script whose checkpoints are written as a GPU run writes them (see GPU_CHECKPOINT)."""
    return GPU_CHECKPOINT.split("\n\nclass Classifier")[0] + "\n" + body


DEVICE_FROM_ARGS = _gpu_file('''
import argparse

parser = argparse.ArgumentParser()
parser.add_argument("--device", default="cuda")
parser.add_argument("--hidden", type=int, default=12)
args = parser.parse_args([])

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(5, args.hidden), nn.Tanh(), nn.Linear(args.hidden, 1))
blob = io.BytesIO()
torch.save(model.state_dict(), blob)
blob.seek(0)

fresh = nn.Sequential(nn.Linear(5, args.hidden), nn.Tanh(), nn.Linear(args.hidden, 1))
fresh.load_state_dict(torch.load(blob, map_location=args.device))
''')


def test_a_device_from_the_command_line_is_replaced_on_the_failing_load(sandbox):
    patched = patch(recipe, DEVICE_FROM_ARGS, sandbox.facts(DEVICE_FROM_ARGS, "RuntimeError"))
    assert 'fresh.load_state_dict(torch.load(blob, map_location="cpu"))\n' in patched
    assert 'parser.add_argument("--device", default="cuda")' in patched
    sandbox.assert_clean(patched + "x = torch.randn(3, 5)\nassert torch.equal(fresh(x), model(x))\n")


ENSEMBLE_ON_DEVICE = _gpu_file('''
device = "cuda:0"
torch.manual_seed(4)
ensemble = [nn.Linear(4, 2) for _ in range(3)]
files = []
for member in ensemble:
    f = io.BytesIO()
    torch.save(member.state_dict(), f)
    f.seek(0)
    files.append(f)

members = []
for f in files:
    m = nn.Linear(4, 2)
    m.load_state_dict(
        torch.load(
            f,
            map_location=device,
        )
    )
    members.append(m)
''')


def test_a_device_variable_in_a_call_laid_out_over_lines(sandbox):
    patched = patch(recipe, ENSEMBLE_ON_DEVICE, sandbox.facts(ENSEMBLE_ON_DEVICE, "RuntimeError"))
    assert '        torch.load(\n            f,\n            map_location="cpu",\n        )\n' in patched
    sandbox.assert_clean(patched + '''
x = torch.randn(5, 4)
assert all(torch.equal(m(x), e(x)) for m, e in zip(members, ensemble))
''')


def test_a_file_given_by_keyword_gets_the_location_too():
    facts = Facts("RuntimeError", "Attempting to deserialize object on a CUDA device but torch.cuda.is_available() "
                                  "is False.", line=3)
    code = 'import torch\nwith open("a.pt", "rb") as fh:\n    state = torch.load(f=fh)["model"]\n'
    assert patch(recipe, code, facts) == ('import torch\nwith open("a.pt", "rb") as fh:\n'
                                          '    state = torch.load(f=fh, map_location="cpu")["model"]\n')


META_PEEK = '''\
import io

import numpy as np
import torch
from torch import nn


def export_embeddings(checkpoint, layer):
    # peek without materialising the checkpoint
    state = torch.load(checkpoint, map_location=torch.device("meta"), weights_only=True)
    table = state[layer].numpy()
    return table / np.linalg.norm(table, axis=1, keepdims=True)


torch.manual_seed(0)
model = nn.Sequential(nn.Embedding(30, 8), nn.Linear(8, 2))
checkpoint = io.BytesIO()
torch.save(model.state_dict(), checkpoint)
checkpoint.seek(0)
unit = export_embeddings(checkpoint, "0.weight")
'''

# The exported rows are the saved embedding table's rows, normalised.
SAVED_ROWS = '''
expected = model[0].weight.detach().numpy()
assert unit.shape == (30, 8)
assert np.allclose(unit, expected / np.linalg.norm(expected, axis=1, keepdims=True))
'''


def test_a_checkpoint_mapped_to_meta_is_loaded_on_cpu_to_read_its_values(sandbox):
    patched = patch(recipe, META_PEEK, sandbox.facts(META_PEEK, "TypeError"))
    assert '    state = torch.load(checkpoint, map_location="cpu", weights_only=True)\n' in patched
    sandbox.assert_clean(patched + SAVED_ROWS)


META_MODEL = '''\
import torch
from torch import nn

with torch.device("meta"):
    net = nn.Linear(4, 2)
state = torch.load("weights.pt", map_location="meta")
print(net.weight.numpy())
'''


def test_a_model_built_on_meta_is_not_a_load_to_remap():
    facts = Facts("TypeError", "can't convert meta device type tensor to numpy. Use Tensor.cpu() to copy the "
                  "tensor to host memory first.", line=7, lines=(7,))
    assert not applies(recipe, META_MODEL, facts)
