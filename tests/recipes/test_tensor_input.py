import re

from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import tensor_input as recipe

NUMPY_FEATURES = '''\
import numpy as np
import torch
import torch.nn as nn


class Scorer(nn.Module):
    def __init__(self, features=5):
        super().__init__()
        self.fc = nn.Linear(features, 1)

    def forward(self, x):
        return torch.sigmoid(self.fc(x)).squeeze(-1)


rng = np.random.default_rng(0)
table = rng.normal(size=(10, 5))                    # float64 features, as from pandas .values
model = Scorer().eval()
with torch.no_grad():
    scores = model(table)
'''

# The scores are those of the same rows, computed in float32 like the weights.
SAME_ROWS = '''
expected = torch.sigmoid(torch.from_numpy(table).float() @ model.fc.weight.T + model.fc.bias).squeeze(-1)
assert scores.shape == (10,) and scores.dtype == torch.float32 and torch.allclose(scores, expected)
'''


def test_the_array_becomes_a_float32_tensor_where_it_enters_the_model(sandbox):
    patched = patch(recipe, NUMPY_FEATURES, sandbox.facts(NUMPY_FEATURES, "TypeError"))
    assert "    scores = model(torch.as_tensor(table, dtype=torch.float32))\n" in patched
    sandbox.assert_clean(patched + SAME_ROWS)


def test_no_match_for_an_embedding_model_or_a_dataframe():
    facts = Facts("TypeError", "linear(): argument 'input' (position 1) must be Tensor, not list", line=3, lines=(3,))
    code = "import torch\nmodel = torch.nn.Linear(2, 1)\nout = model([[1.0, 2.0]])\n"
    assert applies(recipe, code, facts)
    assert not applies(recipe, code.replace("Linear(2, 1)", "Embedding(9, 2)"), facts)
    frame = Facts("TypeError", re.sub("list$", "DataFrame", facts.message), line=3, lines=(3,))
    assert not applies(recipe, code, frame)
