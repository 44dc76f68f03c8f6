from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import stack_tensor_list as recipe

CENTROIDS = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)
encoder = nn.Sequential(nn.Linear(12, 32), nn.ReLU(), nn.Linear(32, 16)).eval()
samples = torch.randn(20, 12)
groups = torch.arange(20) % 4


def centroids(embeddings, groups, k):
    means = []
    for g in range(k):
        means.append(embeddings[groups == g].mean(0))       # [16] each
    return torch.tensor(means, dtype=torch.float64)


with torch.no_grad():
    table = centroids(encoder(samples), groups, 4)
'''

# One row per group, each the mean of that group's embeddings, in the dtype asked for.
ROWS = '''
with torch.no_grad():
    embedded = encoder(samples)
assert table.shape == (4, 16) and table.dtype == torch.float64
assert torch.allclose(table[1], embedded[groups == 1].mean(0).double())
'''


def test_the_list_of_rows_is_stacked_in_the_dtype_asked_for(sandbox):
    patched = patch(recipe, CENTROIDS, sandbox.facts(CENTROIDS, "ValueError"))
    assert "    return torch.stack(means).to(torch.float64)\n" in patched
    sandbox.assert_clean(patched + ROWS)


def test_a_typed_constructor_keeps_its_type():
    code = "import torch\nbatch = torch.LongTensor([a, b])\n"
    facts = Facts("ValueError", "only one element tensors can be converted to Python scalars", line=2, lines=(2,))
    assert patch(recipe, code, facts).endswith("batch = torch.stack([a, b]).long()\n")


def test_no_match_without_a_tensor_constructor_on_the_line():
    code = "import torch\nvalue = float(t)\n"
    facts = Facts("ValueError", "only one element tensors can be converted to Python scalars", line=2, lines=(2,))
    assert not applies(recipe, code, facts)
