from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import flatten_token_targets as recipe

TAGGER = '''\
import torch
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader

torch.manual_seed(0)
NUM_TAGS = 7


class Sentences(Dataset):
    def __init__(self, n=24, length=12):
        self.words = torch.randint(0, 100, (n, length))
        self.tags = torch.randint(0, NUM_TAGS, (n, length))

    def __len__(self):
        return len(self.words)

    def __getitem__(self, i):
        return self.words[i], self.tags[i]


class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(100, 32)
        self.lstm = nn.LSTM(32, 32, batch_first=True)
        self.head = nn.Linear(32, NUM_TAGS)

    def forward(self, words):
        h, _ = self.lstm(self.emb(words))
        return self.head(h)


model = Tagger()
loss_fn = nn.CrossEntropyLoss()
optim = torch.optim.Adam(model.parameters())
for words, tags in DataLoader(Sentences(), batch_size=6):
    scores = model(words)
    loss = loss_fn(scores.reshape(-1, NUM_TAGS), tags)
    optim.zero_grad()
    loss.backward()
    optim.step()
'''

# Every token is scored against its own tag: the loss is the mean over the 6 x 12 positions.
PER_TOKEN = '''
per_token = nn.functional.cross_entropy(scores.transpose(1, 2), tags)
assert torch.allclose(loss, per_token)
'''

SHIFTED_TOKENS = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)
VOCAB = 50
model = nn.Sequential(nn.Embedding(VOCAB, 16), nn.Linear(16, VOCAB))
corpus = torch.randint(0, VOCAB, (8, 21))
inputs, targets = corpus[:, :-1], corpus[:, 1:]
logits = model(inputs)
loss = nn.functional.cross_entropy(logits.flatten(0, 1), targets)
loss.backward()
'''


def test_token_targets_are_flattened_like_the_logits(sandbox):
    patched = patch(recipe, TAGGER, sandbox.facts(TAGGER, "ValueError"))
    assert "    loss = loss_fn(scores.reshape(-1, NUM_TAGS), tags.reshape(-1))\n" in patched
    sandbox.assert_clean(patched + PER_TOKEN)


def test_sliced_next_token_targets_are_reshaped(sandbox):
    patched = patch(recipe, SHIFTED_TOKENS, sandbox.facts(SHIFTED_TOKENS, "ValueError"))
    assert "loss = nn.functional.cross_entropy(logits.flatten(0, 1), targets.reshape(-1))\n" in patched
    sandbox.assert_clean(patched + "\nassert torch.allclose(loss, nn.functional.cross_entropy(logits.transpose(1, 2), targets))\n")


def test_no_match_when_the_logits_were_not_folded_at_the_loss():
    facts = Facts("ValueError", "Expected input batch_size (32) to match target batch_size (8).", line=3)
    code = "import torch.nn.functional as F\nout = model(x)\nloss = F.cross_entropy(out, y)\n"
    assert not applies(recipe, code, facts)
    assert applies(recipe, code.replace("(out, y)", "(out.view(-1, 5), y)"), facts)
    assert not applies(recipe, code.replace("(out, y)", "(out.view(-1, 5), y.view(-1))"), facts)


FOLDED_A_LINE_BEFORE = '''\
import torch
from torch import nn

NUM_LABELS, T = 5, 8
torch.manual_seed(0)
embed = nn.Embedding(30, 16)
classifier = nn.Linear(16, NUM_LABELS)
criterion = nn.CrossEntropyLoss(ignore_index=-100)
tokens = torch.randint(0, 30, (2, T))
labels = torch.randint(0, NUM_LABELS, (2, T))
labels[1, 5:] = -100
logits = classifier(embed(tokens)).flatten(0, 1)
loss = criterion(logits, labels)
'''

SAME_TOKENS_SCORED = '''
per_token = classifier(embed(tokens)).transpose(1, 2)            # [N, C, T], the unflattened form
assert torch.allclose(loss, nn.functional.cross_entropy(per_token, labels, ignore_index=-100))
'''


def test_prediction_folded_where_it_is_assigned(sandbox):
    patched = patch(recipe, FOLDED_A_LINE_BEFORE, sandbox.facts(FOLDED_A_LINE_BEFORE, "ValueError"))
    assert "loss = criterion(logits, labels.reshape(-1))" in patched
    sandbox.assert_clean(patched + SAME_TOKENS_SCORED)
