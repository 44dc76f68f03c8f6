from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import torch_six_equivalents as recipe

OLD_UTILS = '''\
import re

import torch
from torch._six import container_abcs, string_classes, inf as INF


def to_device(batch, device):
    """Moves every tensor of a nested batch to the device (code from the torch 1.4 days)."""
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    if isinstance(batch, string_classes):
        return batch
    if isinstance(batch, container_abcs.Mapping):
        return {k: to_device(v, device) for k, v in batch.items()}
    if isinstance(batch, container_abcs.Sequence):
        return [to_device(v, device) for v in batch]
    return batch


def clip(model, max_norm):
    return torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm, norm_type=INF)


torch.manual_seed(0)
model = torch.nn.Linear(3, 1)
model(torch.randn(4, 3)).sum().backward()
largest = max(p.grad.abs().max() for p in model.parameters())
norm = clip(model, max_norm=1e9)
moved = to_device({"x": torch.randn(2, 3), "ids": ["a", "b"], "name": b"raw"}, "cpu")
'''

# The shims keep their meaning: strings and bytes pass through, inf is the max-norm.
SAME_VALUES = '''
assert moved["ids"] == ["a", "b"] and moved["name"] == b"raw" and moved["x"].shape == (2, 3)
assert torch.isclose(norm, largest)
'''


def test_the_shims_become_their_standard_values(sandbox):
    patched = patch(recipe, OLD_UTILS, sandbox.facts(OLD_UTILS, "ModuleNotFoundError"))
    assert ("import torch\nimport collections.abc\nimport math\n"
            "container_abcs, string_classes, INF = collections.abc, (str, bytes), math.inf\n") in patched
    sandbox.assert_clean(patched + SAME_VALUES)


def test_a_shim_without_an_equivalent_keeps_the_import():
    facts = Facts("ModuleNotFoundError", "No module named 'torch._six'", line=1, lines=(1,))
    assert not applies(recipe, "from torch._six import inf, with_metaclass\n", facts)
    assert patch(recipe, "import math\nfrom torch._six import inf\n", facts) == "import math\ninf = math.inf\n"
