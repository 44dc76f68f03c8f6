from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import one_hot_valid_positions as recipe
from assistant.repair.recipes import zero_based_labels

PADDED_TAGS = '''\
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import Dataset, DataLoader

torch.manual_seed(0)


class Tokens(Dataset):
    def __init__(self):
        self.seqs = torch.randint(0, 8, (40, 6))
        self.tags = torch.randint(0, 4, (40, 6))
        self.tags[:, -2:] = -1          # padding positions

    def __len__(self):
        return len(self.seqs)

    def __getitem__(self, i):
        return self.seqs[i], self.tags[i]


class Tagger(nn.Module):
    def __init__(self, vocab=8, tags=4):
        super().__init__()
        self.emb = nn.Embedding(vocab, 16)
        self.out = nn.Linear(16, tags)

    def forward(self, x):
        return self.out(self.emb(x))


model = Tagger()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for batch in DataLoader(Tokens(), batch_size=8):
    seqs, tags = batch
    target = F.one_hot(tags, 4).float()
    loss = F.binary_cross_entropy_with_logits(model(seqs), target)
    opt.zero_grad()
    loss.backward()
    opt.step()
'''

# Real tags keep their class; padded positions are all-zero rows, not class 0.
PADDING_IS_NO_CLASS = '''
assert torch.equal(target[:, :4].argmax(-1), tags[:, :4])
assert target[:, :4].sum() == tags[:, :4].numel()
assert target[:, 4:].abs().sum() == 0
'''

IGNORE_VALUE_IN_HELPER = '''\
import torch
import torch.nn.functional as F

IGNORE = -100
NUM_CLASSES = 5


def encode(labels):
    return F.one_hot(labels, num_classes=NUM_CLASSES)


labels = torch.tensor([[0, 4, 2, IGNORE], [1, 3, IGNORE, IGNORE]])
encoded = encode(labels)
'''

IGNORED_ROWS_ARE_ZERO = '''
assert encoded.shape == (2, 4, 5) and encoded.dtype == torch.int64
assert encoded[labels == IGNORE].sum() == 0
assert torch.equal(encoded[labels != IGNORE].argmax(-1), labels[labels != IGNORE])
'''

TOO_LARGE = '''\
import torch
import torch.nn.functional as F

stars = torch.tensor([1, 2, 5, 3])
encoded = F.one_hot(stars, num_classes=5)
'''


def test_padded_tags_become_zero_rows(sandbox):
    facts = sandbox.facts(PADDED_TAGS, "RuntimeError")
    patched = patch(recipe, PADDED_TAGS, facts)
    assert "    target = (F.one_hot(tags.clamp(min=0), 4) * (tags >= 0).unsqueeze(-1)).float()\n" in patched
    sandbox.assert_clean(patched + PADDING_IS_NO_CLASS)
    assert not applies(zero_based_labels, PADDED_TAGS, facts)  # shifting padding by one fixes nothing


def test_an_ignore_value_is_masked_where_the_helper_encodes(sandbox):
    patched = patch(recipe, IGNORE_VALUE_IN_HELPER, sandbox.facts(IGNORE_VALUE_IN_HELPER, "RuntimeError"))
    assert ("    return F.one_hot(labels.clamp(min=0), num_classes=NUM_CLASSES) * (labels >= 0).unsqueeze(-1)\n"
            in patched)
    sandbox.assert_clean(patched + IGNORED_ROWS_ARE_ZERO)


def test_labels_too_large_are_not_padding(sandbox):
    assert not applies(recipe, TOO_LARGE, sandbox.facts(TOO_LARGE, "RuntimeError"))


VOID_BORDER = '''\
import torch
import torch.nn.functional as F

torch.manual_seed(0)
n_classes = 4
mask = torch.randint(0, n_classes, (2, 6, 6))
mask[:, 0, :] = 255
onehot = F.one_hot(mask, num_classes=n_classes).permute(0, 3, 1, 2)
'''

# Void pixels get no class; every other pixel keeps its own.
VOID_ROWS_EMPTY = '''
assert onehot.shape == (2, 4, 6, 6)
assert onehot[:, :, 0].sum() == 0
assert torch.equal(onehot[:, :, 1:].argmax(1), mask[:, 1:]) and torch.all(onehot[:, :, 1:].sum(1) == 1)
'''


def test_void_pixels_written_by_the_script_become_zero_rows(sandbox):
    patched = patch(recipe, VOID_BORDER, sandbox.facts(VOID_BORDER, "RuntimeError"))
    assert ("onehot = (F.one_hot(mask.clamp(max=n_classes - 1), num_classes=n_classes)"
            " * (mask < n_classes).unsqueeze(-1)).permute(0, 3, 1, 2)\n") in patched
    sandbox.assert_clean(patched + VOID_ROWS_EMPTY)


FLATTENED_PADDED_TAGS = '''\
import torch
import torch.nn.functional as F

seqs = [[2, 0, 1], [1, 1], [0]]
labels = torch.full((3, 3), -1)
for row, s in enumerate(seqs):
    labels[row, :len(s)] = torch.tensor(s)
targets = F.one_hot(labels.view(-1), num_classes=3).float()
'''


def test_padded_tags_flattened_at_the_call_become_zero_rows(sandbox):
    patched = patch(recipe, FLATTENED_PADDED_TAGS, sandbox.facts(FLATTENED_PADDED_TAGS, "RuntimeError"))
    assert "(labels.view(-1) >= 0).unsqueeze(-1)).float()\n" in patched
    sandbox.assert_clean(patched + "assert targets.sum(1).tolist() == [1, 1, 1, 1, 1, 0, 1, 0, 0]\n"
                                   "assert targets[0].tolist() == [0, 0, 1] and targets.shape == (9, 3)\n")
