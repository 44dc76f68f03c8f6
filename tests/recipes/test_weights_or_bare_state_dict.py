from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import weights_or_bare_state_dict as recipe

FINE_TUNE = '''\
import os
import tempfile

import torch
import torch.nn as nn


class Encoder(nn.Module):
    def __init__(self, dim=10, hidden=32):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(dim, hidden), nn.ReLU(), nn.Linear(hidden, 3))

    def forward(self, x):
        return self.layers(x)


def load_pretrained(model, path):
    """Written for this project's training checkpoints ({"epoch": ..., "state_dict": ...})."""
    checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    weights = checkpoint["state_dict"]
    model.load_state_dict(weights)
    return model


torch.manual_seed(0)
released = Encoder()
folder = tempfile.mkdtemp()
released_path = os.path.join(folder, "released.pth")
torch.save(released.state_dict(), released_path)          # published as the bare state_dict

model = load_pretrained(Encoder(), released_path)
'''

# The released weights were loaded, and the project's own wrapped checkpoints still load.
LOADED = '''
x = torch.randn(4, 10)
assert torch.equal(model(x), released(x))
own_path = os.path.join(folder, "own.pth")
other = Encoder()
torch.save({"epoch": 3, "state_dict": other.state_dict()}, own_path)
assert torch.equal(load_pretrained(Encoder(), own_path)(x), other(x))
'''


def test_a_bare_state_dict_is_loaded_as_it_is(sandbox):
    patched = patch(recipe, FINE_TUNE, sandbox.facts(FINE_TUNE, "KeyError"))
    assert '    weights = checkpoint.get("state_dict", checkpoint)\n' in patched
    sandbox.assert_clean(patched + LOADED)


INLINE = '''\
import io
import torch
from torch import nn

torch.manual_seed(0)
net = nn.Linear(6, 2)
buffer = io.BytesIO()
torch.save(net.state_dict(), buffer)
buffer.seek(0)
ckpt = torch.load(buffer)
restored = nn.Linear(6, 2)
restored.load_state_dict(ckpt["model_state_dict"], strict=True)
'''


def test_the_lookup_inside_the_load_call(sandbox):
    patched = patch(recipe, INLINE, sandbox.facts(INLINE, "KeyError"))
    assert 'restored.load_state_dict(ckpt.get("model_state_dict", ckpt), strict=True)' in patched
    sandbox.assert_clean(patched + "assert torch.equal(restored.weight, net.weight)\n")


def test_a_missing_key_that_is_not_loaded_as_weights_is_left_alone():
    facts = Facts("KeyError", "'state_dict'")
    assert not applies(recipe, 'cfg = settings["state_dict"]\nprint(cfg)\n', facts)
    assert not applies(recipe, 'model.load_state_dict(torch.load(path)["state_dict"])\n', facts)
    assert applies(recipe, 'model.load_state_dict(ckpt["state_dict"])\n', facts)

