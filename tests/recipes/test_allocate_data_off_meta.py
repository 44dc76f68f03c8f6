from tests.recipes.kbfix import applies, facts_on_line, patch
from assistant.repair.recipes import allocate_data_off_meta as recipe

# A meta build for fast loading, and the embeddings table to fill made in the same block.
EMBED_INDEX = '''\
import io

import torch
import torch.nn as nn

torch.manual_seed(0)


class Encoder(nn.Module):
    def __init__(self, dim=8):
        super().__init__()
        self.proj = nn.Linear(5, dim)

    def forward(self, x):
        return torch.tanh(self.proj(x))


source = Encoder()
blob = io.BytesIO()
torch.save(source.state_dict(), blob)
blob.seek(0)
weights = torch.load(blob, weights_only=True)

items = torch.randn(20, 5)
with torch.device("meta"):
    encoder = Encoder()
    table = torch.zeros(len(items), 8)
encoder.load_state_dict(weights, assign=True)
with torch.no_grad():
    for i in range(0, len(items), 8):
        table[i:i + 8] = encoder(items[i:i + 8])
index = table.numpy()
'''

# The table holds the loaded encoder's embeddings, and the encoder itself was still built on meta.
FILLED_FROM_THE_CHECKPOINT = '''
assert index.shape == (20, 8)
with torch.no_grad():
    assert torch.allclose(torch.from_numpy(index), source(items))
assert encoder.proj.weight.device.type == "cpu"
'''


def test_the_data_tensor_is_created_after_the_meta_block(sandbox):
    patched = patch(recipe, EMBED_INDEX, sandbox.facts(EMBED_INDEX, "TypeError"))
    assert ('with torch.device("meta"):\n    encoder = Encoder()\ntable = torch.zeros(len(items), 8)\n'
            'encoder.load_state_dict(weights, assign=True)\n') in patched
    sandbox.assert_clean(patched + FILLED_FROM_THE_CHECKPOINT)


def test_no_match_when_the_block_builds_only_that_tensor_or_goes_on_to_use_it():
    message = "can't convert meta device type tensor to numpy. Use Tensor.cpu() to copy the tensor to host memory first."
    alone = 'import torch\nwith torch.device("meta"):\n    buf = torch.zeros(4)\nout = buf.numpy()\n'
    assert not applies(recipe, alone, facts_on_line(alone, "buf.numpy()", "TypeError", message))
    used = ('import torch\nwith torch.device("meta"):\n    buf = torch.zeros(4)\n    net = torch.nn.Linear(buf.shape[0], 2)\n'
            'out = buf.numpy()\n')
    assert not applies(recipe, used, facts_on_line(used, "buf.numpy()", "TypeError", message))
