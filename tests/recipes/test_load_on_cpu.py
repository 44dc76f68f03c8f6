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
