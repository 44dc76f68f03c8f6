from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import ignore_label as recipe

PADDED_TAGGER = '''\
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pad_sequence

torch.manual_seed(0)
VOCAB, TAGS, PAD_TAG = 30, 4, -1
sentences = [torch.randint(0, VOCAB, (n,)) for n in (5, 3, 6)]
tag_lists = [torch.randint(0, TAGS, (n,)) for n in (5, 3, 6)]
tokens = pad_sequence(sentences, batch_first=True)
tags = pad_sequence(tag_lists, batch_first=True, padding_value=PAD_TAG)


class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(VOCAB, 8)
        self.out = nn.Linear(8, TAGS)

    def forward(self, x):
        return self.out(self.emb(x))


model = Tagger()
criterion = nn.CrossEntropyLoss(reduction="mean")
logits = model(tokens)
loss = criterion(logits.view(-1, TAGS), tags.view(-1))
loss.backward()
'''

# The loss is the mean over the real tags only: the pad positions add nothing.
REAL_TAGS_ONLY = '''
real = tags.view(-1) != PAD_TAG
assert torch.allclose(loss, nn.functional.cross_entropy(logits.view(-1, TAGS)[real], tags.view(-1)[real]))
'''

SEGMENTATION = '''\
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
images = torch.randn(2, 3, 16, 16)
masks = torch.randint(0, 5, (2, 16, 16))
masks[:, :2] = 255                                  # void border, as in Pascal VOC
net = nn.Conv2d(3, 5, 3, padding=1)
for step in range(2):
    loss = F.cross_entropy(net(images), masks)
    loss.backward()
'''


def test_a_padding_tag_is_declared_on_the_loss_module(sandbox):
    patched = patch(recipe, PADDED_TAGGER, sandbox.facts(PADDED_TAGGER, "IndexError"))
    assert 'criterion = nn.CrossEntropyLoss(reduction="mean", ignore_index=-1)\n' in patched
    sandbox.assert_clean(patched + REAL_TAGS_ONLY)


def test_void_pixels_are_ignored_by_the_functional_loss(sandbox):
    patched = patch(recipe, SEGMENTATION, sandbox.facts(SEGMENTATION, "IndexError"))
    assert "    loss = F.cross_entropy(net(images), masks, ignore_index=255)\n" in patched
    sandbox.assert_clean(patched)


def test_no_match_for_a_label_that_may_be_a_class():
    code = "import torch.nn.functional as F\nloss = F.cross_entropy(logits, labels)\n"
    assert not applies(recipe, code, Facts("IndexError", "Target 3 is out of bounds.", line=2, lines=(2,)))


LOSS_HANDED_TO_A_STEP = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)


def train_step(model, batch, loss_fn):
    inputs, targets = batch
    return loss_fn(model(inputs), targets)


model = nn.Sequential(nn.Linear(4, 3), nn.LogSoftmax(dim=1))
criterion = nn.NLLLoss()
targets = torch.tensor([0, 2, -1, 1, -1, 2])
batch = (torch.randn(6, 4), targets)
loss = train_step(model, batch, criterion)
'''

# The mean is over the four annotated rows only.
ANNOTATED_ROWS = '''
kept = targets != -1
assert torch.allclose(loss, nn.functional.nll_loss(model(batch[0])[kept], targets[kept]))
'''


def test_a_loss_module_handed_to_a_helper_is_declared_where_it_is_built(sandbox):
    patched = patch(recipe, LOSS_HANDED_TO_A_STEP, sandbox.facts(LOSS_HANDED_TO_A_STEP, "IndexError"))
    assert "criterion = nn.NLLLoss(ignore_index=-1)\n" in patched
    sandbox.assert_clean(patched + ANNOTATED_ROWS)
