from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import integer_indices as recipe

TOKEN_BUFFER = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)
seqs = [[5, 12, 7], [3, 9], [14, 2, 8, 6]]
labels = torch.tensor([1, 0, 1])
pad_id, max_len = 0, 4
batch = torch.zeros(len(seqs), max_len)            # float32 by default
for i, s in enumerate(seqs):
    batch[i, :len(s)] = torch.tensor(s)


class Classifier(nn.Module):
    def __init__(self, vocab=20, dim=8):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim, padding_idx=pad_id)
        self.head = nn.Linear(dim, 2)

    def forward(self, ids):
        return self.head(self.emb(ids).mean(1))


model = Classifier()
loss = nn.functional.cross_entropy(model(batch), labels)
loss.backward()
'''

# The lookup used the token ids themselves: row 5 of the table for the first token.
SAME_TOKENS = '''
assert torch.equal(model.emb(batch.long())[0, 0], model.emb.weight[5])
assert model.emb.weight.grad[[5, 12, 7]].abs().sum() > 0
'''

FLOAT_POSITIONS = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)
X = torch.randn(100, 6)
y = torch.randint(0, 2, (100,))
model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 2))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for step in range(5):
    idx = (torch.rand(16) * len(X)).floor()  # float32 values like 37.0
    xb, yb = X[idx], y[idx]
    loss = nn.functional.cross_entropy(model(xb), yb)
    opt.zero_grad()
    loss.backward()
    opt.step()
assert torch.equal(xb, X[idx]) and xb.shape == (16, 6)
'''

FLOAT_MASK = '''\
import torch

scores = torch.tensor([0.9, 0.2, 0.7, 0.4])
boxes = torch.arange(16.).view(4, 4)
keep = (scores > 0.5).float()
kept = boxes[keep]
assert kept.tolist() == [boxes[0].tolist(), boxes[2].tolist()]
'''


def test_embedding_ids_are_converted_at_the_lookup(sandbox):
    patched = patch(recipe, TOKEN_BUFFER, sandbox.facts(TOKEN_BUFFER, "RuntimeError"))
    assert "        return self.head(self.emb(ids.long()).mean(1))\n" in patched
    sandbox.assert_clean(patched + SAME_TOKENS)


def test_computed_positions_become_long_where_they_are_made(sandbox):
    patched = patch(recipe, FLOAT_POSITIONS, sandbox.facts(FLOAT_POSITIONS, "IndexError"))
    assert "    idx = (torch.rand(16) * len(X)).floor().long()  # float32 values like 37.0\n" in patched
    assert "    xb, yb = X[idx], y[idx]\n" in patched
    sandbox.assert_clean(patched)


def test_a_float_mask_from_a_comparison_becomes_bool(sandbox):
    patched = patch(recipe, FLOAT_MASK, sandbox.facts(FLOAT_MASK, "IndexError"))
    assert "keep = (scores > 0.5).bool()\n" in patched
    sandbox.assert_clean(patched)


def test_gather_index_is_converted_at_the_call():
    code = "import torch\nout = torch.gather(x, 1, picks)\nalso = x.gather(1, picks.float())\n"
    facts = Facts("RuntimeError", "gather(): Expected dtype int64 for index", line=3, lines=(3,))
    assert patch(recipe, code, facts).endswith("also = x.gather(1, picks.long())\n")


def test_no_match_for_an_index_of_unknown_origin():
    code = "import torch\nrows = load()\nsel = X[rows]\n"
    facts = Facts("IndexError", "tensors used as indices must be long, int, byte or bool tensors", line=3, lines=(3,))
    assert not applies(recipe, code, facts)
