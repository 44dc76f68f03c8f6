from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import build_on_cpu_for_unsaved_buffers as recipe

ROTARY_EXPORT = '''\
import io

import torch
import torch.nn as nn


class Rotary(nn.Module):
    def __init__(self, dim, length):
        super().__init__()
        self.proj = nn.Linear(dim, dim)
        angles = torch.arange(length)[:, None] / 10000 ** (torch.arange(0, dim, 2) / dim)
        self.register_buffer("angles", angles, persistent=False)

    def forward(self, x):
        return self.proj(x) * self.angles[: x.shape[1]].cos().repeat_interleave(2, -1)


torch.manual_seed(0)
source = io.BytesIO()
torch.save(Rotary(8, 16).state_dict(), source)
source.seek(0)
weights = torch.load(source, weights_only=True)
with torch.device("meta"):
    restored = Rotary(8, 16)
restored.load_state_dict(weights, assign=True)
table = restored.angles.numpy()
'''

# The table is the constructor's, and the weights are the checkpoint's tensors themselves.
MEANT = '''
fresh = Rotary(8, 16)
assert torch.equal(torch.from_numpy(table), fresh.angles)
assert restored.proj.weight.data_ptr() == weights["proj.weight"].data_ptr()
assert not restored.proj.weight.is_meta
'''


def test_a_module_with_a_computed_table_is_built_on_the_cpu(sandbox):
    patched = patch(recipe, ROTARY_EXPORT, sandbox.facts(ROTARY_EXPORT, "TypeError"))
    assert 'with torch.device("cpu"):\n    restored = Rotary(8, 16)\n' in patched
    sandbox.assert_clean(patched + MEANT)


FACTS = Facts("TypeError", "can't convert meta device type tensor to numpy.", line=27, lines=(27,))


def test_a_persistent_buffer_or_a_copying_load_is_left_alone():
    assert applies(recipe, ROTARY_EXPORT, FACTS)
    assert not applies(recipe, ROTARY_EXPORT.replace(", persistent=False)", ")"), FACTS)
    assert not applies(recipe, ROTARY_EXPORT.replace("weights, assign=True)", "weights)"), FACTS)


def test_a_device_chosen_at_run_time_is_left_alone():
    chosen = ROTARY_EXPORT.replace('with torch.device("meta"):', "with torch.device(input()):")
    assert not applies(recipe, chosen, FACTS)
