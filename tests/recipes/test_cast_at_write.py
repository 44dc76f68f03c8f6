from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts, Problem, candidates
from assistant.repair.recipes import cast_at_write as recipe

ROUTER = '''\
import torch
import torch.nn as nn


class SparseExperts(nn.Module):
    """Each token goes through the expert its router score picks."""

    def __init__(self, dim=8, experts=3):
        super().__init__()
        self.router = nn.Linear(dim, experts)
        self.experts = nn.ModuleList(nn.Linear(dim, dim) for _ in range(experts))

    def forward(self, tokens):
        choice = self.router(tokens).argmax(-1)
        mixed = torch.zeros(tokens.shape)
        for number, expert in enumerate(self.experts):
            picked = choice == number
            mixed[picked] = expert(tokens[picked])
        return mixed


torch.manual_seed(0)
layer = SparseExperts()
tokens = torch.randn(12, 8)
with torch.autocast("cpu", dtype=torch.bfloat16):
    out = layer(tokens)
out.sum().backward()
'''

# Each token holds its own expert's output (to bfloat16 precision), and every expert trained.
SAME_ROUTING = '''
with torch.no_grad():
    choice = layer.router(tokens).argmax(-1)
    for i in range(12):
        assert torch.allclose(out[i], layer.experts[int(choice[i])](tokens[i]), atol=5e-2)
assert out.dtype == torch.float32
assert all(e.weight.grad is not None for e, n in zip(layer.experts, range(3)) if (choice == n).any())
'''

SCATTER = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)
scorer = nn.Linear(4, 1)
optimizer = torch.optim.SGD(scorer.parameters(), lr=0.1)
items = torch.randn(6, 4)
slots = torch.tensor([[2], [0], [5], [1], [4], [3]])


def place(scores, slots, size):
    board = torch.zeros(size, 1)
    board.scatter_(0, slots, scores)
    return board


for step in range(2):
    with torch.autocast("cpu", dtype=torch.bfloat16):
        board = place(scorer(items), slots, 6)
    loss = board.pow(2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
'''

# Each item's score (as the scorer now computes it) lands in its own slot of a float32 board.
PLACED = '''
with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
    scores, board = scorer(items), place(scorer(items), slots, 6)
assert board.dtype == torch.float32 and scorer.weight.grad is not None
assert torch.allclose(board[slots[:, 0], 0], scores[:, 0].float())
'''


def test_the_expert_output_is_cast_to_the_buffer(sandbox):
    patched = patch(recipe, ROUTER, sandbox.facts(ROUTER, "RuntimeError"))
    assert "            mixed[picked] = expert(tokens[picked]).to(mixed.dtype)\n" in patched
    assert "        mixed = torch.zeros(tokens.shape)\n" in patched
    sandbox.assert_clean(patched + SAME_ROUTING)


def test_the_scattered_scores_are_cast_to_the_board(sandbox):
    patched = patch(recipe, SCATTER, sandbox.facts(SCATTER, "RuntimeError"))
    assert "    board.scatter_(0, slots, scores.to(board.dtype))\n" in patched
    sandbox.assert_clean(patched + PLACED)


def test_a_failing_line_without_a_write_is_left_alone():
    facts = Facts("RuntimeError", "Index put requires the source and destination dtypes match, got Float for the "
                  "destination and BFloat16 for the source.", line=2, lines=(2,))
    code = "buf = torch.zeros(3)\ny = helper(buf, x)\nbuf[0] = 1.0\n"
    assert not applies(recipe, code, facts)


POOLING = '''\
import torch
import torch.nn as nn


class SentencePooling(nn.Module):
    """Projects every token, then sums the tokens of each sentence into one vector."""

    def __init__(self, dim=6):
        super().__init__()
        self.proj = nn.Linear(dim, dim)

    def forward(self, tokens, sentence_of, sentences):
        projected = self.proj(tokens)
        totals = torch.zeros(sentences, projected.shape[-1])
        totals.index_add_(0, sentence_of, projected)
        counts = torch.bincount(sentence_of, minlength=sentences).clamp(min=1)
        return totals / counts[:, None]


torch.manual_seed(0)
pool = SentencePooling()
tokens = torch.randn(9, 6)
sentence_of = torch.tensor([0, 0, 1, 1, 1, 2, 2, 3, 3])
with torch.autocast("cpu", dtype=torch.bfloat16):
    means = pool(tokens, sentence_of, 4)
means.sum().backward()
'''

# Each sentence's vector is the mean of its own tokens' projections, and the layer trained.
SENTENCE_MEANS = '''
with torch.no_grad():
    projected = pool.proj(tokens)
    for s in range(4):
        assert torch.allclose(means[s], projected[sentence_of == s].mean(0), atol=5e-2)
assert means.shape == (4, 6) and means.dtype == torch.float32 and pool.proj.weight.grad is not None
'''

HISTOGRAM = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)
gate = nn.Linear(3, 1)
points = torch.randn(10, 3)
cells = torch.tensor([[0], [2], [2], [1], [0], [3], [3], [3], [1], [0]])
with torch.autocast("cpu", dtype=torch.bfloat16):
    weights = torch.sigmoid(gate(points))
    mass = torch.zeros(4, 1).scatter_add_(0, cells, src=weights)
mass.sum().backward()
'''

# Each cell holds the summed weight of the points that fall in it.
MASS_PER_CELL = '''
with torch.no_grad():
    w = torch.sigmoid(gate(points))
for c in range(4):
    assert torch.allclose(mass[c, 0], w[cells[:, 0] == c, 0].sum(), atol=5e-2)
assert mass.dtype == torch.float32 and gate.weight.grad is not None
'''


def _patched_for_the_entry(source: str, facts: Facts) -> str | None:
    """The patch when kb fix finds the entry by its text: index_add_'s own message ("self (Float) and
    source (BFloat16) must have the same scalar type") is none of the entry's patterns."""
    problem = Problem(source, facts)
    found = [c for c in candidates(problem, ["cast-at-write"]) if c.recipe.name == recipe.name]
    return found[0].recipe.patch(problem, found[0].found) if found else None


def test_the_summed_messages_are_cast_to_the_accumulator(sandbox):
    patched = _patched_for_the_entry(POOLING, sandbox.facts(POOLING, "RuntimeError"))
    assert "        totals.index_add_(0, sentence_of, projected.to(totals.dtype))\n" in patched
    sandbox.assert_clean(patched + SENTENCE_MEANS)


def test_a_source_given_by_keyword_is_cast(sandbox):
    patched = patch(recipe, HISTOGRAM, sandbox.facts(HISTOGRAM, "RuntimeError"))
    assert "torch.zeros(4, 1).scatter_add_(0, cells, src=weights.to(torch.zeros(4, 1).dtype))" in patched \
        or "scatter_add_(0, cells, src=weights.to(" in patched
    sandbox.assert_clean(patched + MASS_PER_CELL)
