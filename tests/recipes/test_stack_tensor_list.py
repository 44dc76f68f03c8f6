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


BATCH_OUTPUTS = '''\
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
encoder = nn.Sequential(nn.Linear(12, 32), nn.ReLU(), nn.Linear(32, 16)).eval()
dataset = TensorDataset(torch.randn(20, 12))
loader = DataLoader(dataset, batch_size=8)

embeddings = []
with torch.no_grad():
    for (xb,) in loader:                                  # batches of 8, 8, 4
        embeddings.append(encoder(xb))
all_emb = torch.tensor(embeddings)
'''

# One row per sample, in order, as encoding the whole dataset at once gives.
ALL_SAMPLES = '''
with torch.no_grad():
    assert all_emb.shape == (20, 16) and torch.allclose(all_emb, encoder(dataset.tensors[0]), atol=1e-6)
'''


def test_batches_of_outputs_are_concatenated(sandbox):
    patched = patch(recipe, BATCH_OUTPUTS, sandbox.facts(BATCH_OUTPUTS, "ValueError"))
    assert "all_emb = torch.cat(embeddings)\n" in patched
    sandbox.assert_clean(patched + ALL_SAMPLES)


def test_outputs_for_slices_of_the_data_are_batches_too():
    code = ("import torch\nouts = []\nfor i in range(0, 20, 8):\n    outs.append(model(data[i:i + 8]))\n"
            "emb = torch.tensor(outs)\n")
    facts = Facts("ValueError", "only one element tensors can be converted to Python scalars", line=5, lines=(5,))
    assert patch(recipe, code, facts).endswith("emb = torch.cat(outs)\n")


def test_a_typed_constructor_keeps_its_type():
    code = "import torch\nbatch = torch.LongTensor([a, b])\n"
    facts = Facts("ValueError", "only one element tensors can be converted to Python scalars", line=2, lines=(2,))
    assert patch(recipe, code, facts).endswith("batch = torch.stack([a, b]).long()\n")


def test_no_match_without_a_tensor_constructor_on_the_line():
    code = "import torch\nvalue = float(t)\n"
    facts = Facts("ValueError", "only one element tensors can be converted to Python scalars", line=2, lines=(2,))
    assert not applies(recipe, code, facts)
