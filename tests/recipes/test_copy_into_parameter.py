from tests.recipes.kbfix import patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import copy_into_parameter as recipe

PRETRAINED = '''\
import numpy as np
import torch
import torch.nn as nn

VOCAB, DIM = 50, 8


class BagOfWords(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, DIM)
        self.out = nn.Linear(DIM, 2)

    def forward(self, ids):
        return self.out(self.embed(ids).mean(dim=1))


def load_vectors(model, vectors):
    model.embed.weight = torch.from_numpy(vectors)   # GloVe rows, float64


torch.manual_seed(0)
vectors = np.random.default_rng(0).standard_normal((VOCAB, DIM))
model = BagOfWords()
optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
load_vectors(model, vectors)
loss = model(torch.randint(0, VOCAB, (4, 6))).sum()
loss.backward()
optimizer.step()
'''

# The vectors were loaded into the same parameter (float32), which the optimizer then trained.
LOADED_AND_TRAINED = '''
weight = model.embed.weight
assert weight.dtype == torch.float32 and weight is optimizer.param_groups[0]["params"][0]
assert not torch.allclose(weight, torch.from_numpy(vectors).float())      # the step changed it
assert torch.allclose(weight + 0.5 * weight.grad, torch.from_numpy(vectors).float())
'''


def test_pretrained_values_are_copied_into_the_parameter(sandbox):
    patched = patch(recipe, PRETRAINED, sandbox.facts(PRETRAINED, "TypeError"))
    assert ("def load_vectors(model, vectors):\n    with torch.no_grad():\n"
            "        model.embed.weight.copy_(torch.from_numpy(vectors))   # GloVe rows, float64\n") in patched
    sandbox.assert_clean(patched + LOADED_AND_TRAINED)


def test_under_no_grad_already_only_the_assignment_changes():
    code = "import torch\nwith torch.no_grad():\n    net.fc.bias = torch.zeros(2)\n"
    facts = Facts("TypeError", "cannot assign 'torch.FloatTensor' as parameter 'bias' (torch.nn.Parameter or None "
                               "expected)", line=3, lines=(3,))
    assert patch(recipe, code, facts) == "import torch\nwith torch.no_grad():\n    net.fc.bias.copy_(torch.zeros(2))\n"
