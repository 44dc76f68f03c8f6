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


CENTER_FRAMES = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)


def center_crop_frames(clip, keep):
    """Keep `keep` frames around the middle of each clip."""
    total = clip.size(1)
    start = (total - keep) / 2
    frames = torch.arange(keep) + start
    return clip[:, frames]


clips = torch.randn(2, 20, 3, 8, 8)
middle = center_crop_frames(clips, keep=8)
'''

# Frames 6..13 of 20: the eight around the middle, in order.
MIDDLE_FRAMES = '''
assert torch.equal(middle, clips[:, 6:14])
'''

CLIP_STARTS = '''\
import torch
from torch.utils.data import Dataset, DataLoader

torch.manual_seed(0)


class Clips(Dataset):
    def __init__(self, video, clip_len=4, n_clips=6):
        self.video = video
        self.clip_len = clip_len
        self.starts = torch.linspace(0, len(video) - clip_len, n_clips).round()

    def __len__(self):
        return len(self.starts)

    def __getitem__(self, i):
        start = self.starts[i]
        offsets = torch.arange(self.clip_len) + start
        return self.video[offsets]


video = torch.arange(50.).view(50, 1)
batches = [clip for clip in DataLoader(Clips(video), batch_size=3)]
'''

# Six clips of four consecutive frames, starting at the rounded, evenly spaced starts 0, 9, ..., 46.
CONSECUTIVE_FRAMES = '''
clips = torch.cat(batches)
assert clips.shape == (6, 4, 1)
assert clips[:, 0, 0].tolist() == [0.0, 9.0, 18.0, 28.0, 37.0, 46.0]
assert torch.all(clips[:, 1:] - clips[:, :-1] == 1)
'''

SPREADSHEET_IDS = '''\
import numpy as np
import torch
import torch.nn as nn

rng = np.random.default_rng(0)
interactions = rng.integers(0, 30, size=(64, 2)).astype(np.float64)   # ids exported as float

item_table = nn.Parameter(torch.randn(30, 8))
user_table = nn.Parameter(torch.randn(30, 8))
pairs = torch.from_numpy(interactions)
users, items = pairs[:, 0], pairs[:, 1]
score = (user_table[users] * item_table[items]).sum(-1)
'''

SAME_ROWS = '''
rows = torch.from_numpy(interactions.astype(np.int64))
assert torch.allclose(score, (user_table[rows[:, 0]] * item_table[rows[:, 1]]).sum(-1))
'''

MASK_ALSO_COUNTED = '''\
import torch

scores = torch.tensor([0.9, 0.2, 0.7, 0.4])
boxes = torch.arange(16.).view(4, 4)
keep = (scores > 0.5).float()
print("kept", keep.sum().item())
kept = boxes[keep]
assert kept.tolist() == [boxes[0].tolist(), boxes[2].tolist()]
'''

HALF_WAY = '''\
import torch

sequence = torch.arange(9.)
n = len(sequence)
median_step = sequence[n / 2]
assert median_step.item() == 4.0
'''


def test_positions_shifted_by_a_true_division_become_long(sandbox):
    patched = patch(recipe, CENTER_FRAMES, sandbox.facts(CENTER_FRAMES, "IndexError"))
    assert "    frames = (torch.arange(keep) + start).long()\n    return clip[:, frames]\n" in patched
    sandbox.assert_clean(patched + MIDDLE_FRAMES)


def test_float_starts_of_a_dataset_are_followed_through_its_attribute(sandbox):
    patched = patch(recipe, CLIP_STARTS, sandbox.facts(CLIP_STARTS, "IndexError"))
    assert "        offsets = (torch.arange(self.clip_len) + start).long()\n" in patched
    sandbox.assert_clean(patched + CONSECUTIVE_FRAMES)


def test_float_ids_from_numpy_are_converted_at_the_lookup(sandbox):
    patched = patch(recipe, SPREADSHEET_IDS, sandbox.facts(SPREADSHEET_IDS, "IndexError"))
    assert "score = (user_table[users.long()] * item_table[items.long()]).sum(-1)\n" in patched
    sandbox.assert_clean(patched + SAME_ROWS)


def test_a_mask_used_elsewhere_becomes_bool_at_the_subscript(sandbox):
    patched = patch(recipe, MASK_ALSO_COUNTED, sandbox.facts(MASK_ALSO_COUNTED, "IndexError"))
    assert 'keep = (scores > 0.5).float()\nprint("kept", keep.sum().item())\nkept = boxes[keep.bool()]\n' in patched
    sandbox.assert_clean(patched)


def test_a_python_float_from_division_gets_floor_division(sandbox):
    patched = patch(recipe, HALF_WAY, sandbox.facts(HALF_WAY, "IndexError"))
    assert "median_step = sequence[n // 2]\n" in patched
    sandbox.assert_clean(patched)


def test_only_the_float_index_of_several_is_converted():
    code = "import torch\nrows = torch.arange(3)\nlast = torch.tensor([2.0, 1.0, 0.0])\nsel = h[rows, last]\n"
    facts = Facts("IndexError", "tensors used as indices must be long, int, byte or bool tensors", line=4, lines=(4,))
    assert patch(recipe, code, facts) == code.replace("0.0])", "0.0]).long()")


SAVED_FLOAT_MASK = '''\
import numpy as np
import torch

rng = np.random.default_rng(0)
valid_mask = (rng.random(12) > 0.3).astype(np.float32)   # saved by the annotation tool as 0/1 floats
features = torch.randn(12, 5)
mask = torch.from_numpy(valid_mask)
kept = features[mask]
'''


def test_a_float_mask_loaded_as_data_stays_a_mask(sandbox):
    patched = patch(recipe, SAVED_FLOAT_MASK, sandbox.facts(SAVED_FLOAT_MASK, "IndexError"))
    assert "mask = torch.from_numpy(valid_mask).bool()\n" in patched
    sandbox.assert_clean(patched + "\nassert torch.equal(kept, features[valid_mask == 1])\n")


FLOAT_LENGTHS = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)


class Pooler(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.proj = nn.Linear(dim, dim)

    def forward(self, hidden, lengths):
        last = lengths - 1
        rows = torch.arange(hidden.size(0))
        return self.proj(hidden[rows, last])


hidden = torch.randn(3, 7, 16)
lengths = torch.tensor([7.0, 5.0, 2.0])       # kept as float for normalisation elsewhere
pooler = Pooler(16)
pooled = pooler(hidden, lengths)
'''

# Each sequence is pooled at its own last step: 6, 4 and 1.
LAST_STEPS = '''
assert torch.allclose(pooled, pooler.proj(torch.stack([hidden[0, 6], hidden[1, 4], hidden[2, 1]])))
'''


def test_float_lengths_passed_to_forward_are_followed_to_the_call(sandbox):
    patched = patch(recipe, FLOAT_LENGTHS, sandbox.facts(FLOAT_LENGTHS, "IndexError"))
    assert "        last = (lengths - 1).long()\n        rows = torch.arange(hidden.size(0))\n" in patched
    sandbox.assert_clean(patched + LAST_STEPS)


CATEGORY_TABLES = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)
cardinalities = [5, 7, 3]
cats = torch.stack([torch.randint(0, c, (16,)) for c in cardinalities], dim=1).to(torch.float32)


class CategoricalEncoder(nn.Module):
    def __init__(self, sizes, dim=4):
        super().__init__()
        self.embs = nn.ModuleList([nn.Embedding(n, dim) for n in sizes])

    def forward(self, x):
        parts = [emb(x[:, i]) for i, emb in enumerate(self.embs)]
        return torch.cat(parts, dim=1)


enc = CategoricalEncoder(cardinalities)
out = enc(cats)
'''

# Each column looked up in its own table, with the category ids the float matrix holds.
SAME_CATEGORIES = '''
ids = cats.long()
assert out.shape == (16, 12)
assert torch.equal(out[:, 4:8], enc.embs[1].weight[ids[:, 1]])
'''


def test_tables_of_a_module_list_get_integer_ids(sandbox):
    patched = patch(recipe, CATEGORY_TABLES, sandbox.facts(CATEGORY_TABLES, "RuntimeError"))
    assert "        parts = [emb(x[:, i].long()) for i, emb in enumerate(self.embs)]\n" in patched
    sandbox.assert_clean(patched + SAME_CATEGORIES)


SEQUENTIAL_FROM_A_BUFFER = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)
buffer = torch.zeros(3, 4)
buffer[:, :3] = torch.randint(1, 15, (3, 3)).float()
model = nn.Sequential(
    nn.Embedding(15, 6),
    nn.Flatten(),
)
vectors = model(buffer)
'''


def test_a_sequential_that_starts_with_an_embedding_gets_integer_ids(sandbox):
    patched = patch(recipe, SEQUENTIAL_FROM_A_BUFFER, sandbox.facts(SEQUENTIAL_FROM_A_BUFFER, "RuntimeError"))
    assert "vectors = model(buffer.long())\n" in patched
    sandbox.assert_clean(patched + "assert torch.equal(vectors.view(3, 4, 6)[:, 3], model[0].weight[[0, 0, 0]])\n")


FLOAT_POSITIONS_BESIDE_TOKENS = '''\
import torch
import torch.nn as nn


class TokensAndPositions(nn.Module):
    def __init__(self, vocab=40, d_model=8, max_len=16):
        super().__init__()
        self.tok = nn.Embedding(vocab, d_model)
        self.pos = nn.Embedding(max_len, d_model)

    def forward(self, ids):
        positions = torch.arange(0., ids.size(1)).unsqueeze(0)
        return self.tok(ids) + self.pos(positions)


layer = TokensAndPositions()
ids = torch.randint(0, 40, (2, 10))
out = layer(ids)
'''


def test_only_the_float_ids_of_a_line_are_converted(sandbox):
    patched = patch(recipe, FLOAT_POSITIONS_BESIDE_TOKENS, sandbox.facts(FLOAT_POSITIONS_BESIDE_TOKENS, "RuntimeError"))
    assert "        return self.tok(ids) + self.pos(positions.long())\n" in patched
    sandbox.assert_clean(patched + "assert torch.equal(out[1], layer.tok.weight[ids[1]] + layer.pos.weight[:10])\n")


TABLE_HANDED_TO_A_HELPER = '''\
import numpy as np
import torch
import torch.nn as nn


def pooled(table, ids):
    return table(ids).mean(dim=1)


ids = torch.from_numpy(np.array([[1, 4, 2], [3, 3, 0]], dtype=np.float32))
emb = nn.Embedding(6, 3)
vectors = pooled(emb, ids)
'''


def test_a_table_passed_to_a_helper_gets_integer_ids(sandbox):
    patched = patch(recipe, TABLE_HANDED_TO_A_HELPER, sandbox.facts(TABLE_HANDED_TO_A_HELPER, "RuntimeError"))
    assert "    return table(ids.long()).mean(dim=1)\n" in patched
    sandbox.assert_clean(patched + "assert torch.allclose(vectors[1], emb.weight[[3, 3, 0]].mean(0))\n")


TABLE_FROM_A_FACTORY = '''\
import torch
from torch import nn


def position_table(max_len, width):
    return nn.Embedding(max_len, width)


class Encoder(nn.Module):
    def __init__(self, vocab=20, width=8):
        super().__init__()
        self.tok = nn.Embedding(vocab, width)
        self.pos = position_table(16, width)

    def forward(self, ids):
        steps = torch.arange(ids.size(1), dtype=torch.float32)
        return self.tok(ids) + self.pos(steps)


enc = Encoder()
x = torch.randint(0, 20, (2, 5))
h = enc(x)
'''


def test_a_table_built_by_a_factory_gets_integer_ids(sandbox):
    patched = patch(recipe, TABLE_FROM_A_FACTORY, sandbox.facts(TABLE_FROM_A_FACTORY, "RuntimeError"))
    assert "        return self.tok(ids) + self.pos(steps.long())\n" in patched
    sandbox.assert_clean(patched + "assert torch.equal(h[0], enc.tok.weight[x[0]] + enc.pos.weight[:5])\n")


PRETRAINED_TABLE_BY_FORWARD = '''\
import torch
import torch.nn as nn

weights = torch.randn(12, 5)
words = nn.Embedding.from_pretrained(weights, freeze=True)
sentence = torch.FloatTensor([3, 7, 1, 11])
vectors = words.forward(sentence)
'''


def test_a_pretrained_table_run_through_forward_gets_integer_ids(sandbox):
    source = PRETRAINED_TABLE_BY_FORWARD
    patched = patch(recipe, source, sandbox.facts(source, "RuntimeError"))
    assert "vectors = words.forward(sentence.long())\n" in patched
    sandbox.assert_clean(patched + "assert torch.equal(vectors, weights[[3, 7, 1, 11]])\n")
