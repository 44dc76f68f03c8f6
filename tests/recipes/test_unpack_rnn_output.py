from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import unpack_rnn_output as recipe

CLASSIFIER = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)
B, T, F, CLASSES = 6, 12, 8, 3


class SequenceClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(F, 32, batch_first=True)
        self.dropout = nn.Dropout(0.1)
        self.head = nn.Linear(32, CLASSES)

    def forward(self, x):
        out = self.lstm(x)
        out = self.dropout(out)
        return self.head(out[:, -1])


model = SequenceClassifier()
x = torch.randn(B, T, F)
y = torch.randint(0, CLASSES, (B,))
logits = model(x)
loss = nn.functional.cross_entropy(logits, y)
loss.backward()
'''

# The head reads the last time step of the LSTM's output, one row of logits per sequence.
READS_THE_LAST_STEP = '''
model.eval()
with torch.no_grad():
    output, (h_n, c_n) = model.lstm(x)
    assert torch.allclose(model(x), model.head(output[:, -1]))
    assert logits.shape == (B, CLASSES)
'''

TAGGER = '''\
import torch
from torch import nn

VOCAB, TAGS = 40, 5


class Tagger(nn.Module):
    def __init__(self, hidden=16):
        super().__init__()
        self.emb = nn.Embedding(VOCAB, 8)
        self.lstm = nn.LSTM(8, hidden, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(2 * hidden, TAGS)

    def forward(self, tokens):
        features = self.lstm(self.emb(tokens))
        batch, steps = features.size(0), features.size(1)
        return self.fc(features).view(batch * steps, TAGS)


tokens = torch.randint(0, VOCAB, (4, 7))
tags = torch.randint(0, TAGS, (4, 7))
scores = Tagger()(tokens)
loss = nn.functional.cross_entropy(scores, tags.view(-1))
loss.backward()
assert scores.shape == (28, TAGS)
'''

FRAME_REGRESSION = '''\
import torch
import torch.nn as nn


class Smoother(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(2, 10)
        self.fc = nn.Linear(10, 1)

    def forward(self, x):
        return self.fc(self.gru(x))


frames = torch.randn(20, 3, 2)        # [time, batch, features]
target = frames.sum(-1, keepdim=True)
pred = Smoother()(frames)
loss = nn.functional.mse_loss(pred, target)
loss.backward()
assert pred.shape == target.shape
'''

SEQUENTIAL = '''\
import torch
import torch.nn as nn

model = nn.Sequential(nn.LSTM(8, 32, batch_first=True), nn.Linear(32, 3))
out = model(torch.randn(6, 12, 8))
'''


def test_the_name_that_holds_the_tuple_is_unpacked(sandbox):
    patched = patch(recipe, CLASSIFIER, sandbox.facts(CLASSIFIER, "TypeError"))
    assert "        out, _ = self.lstm(x)\n        out = self.dropout(out)\n" in patched
    sandbox.assert_clean(patched + READS_THE_LAST_STEP)


def test_a_bidirectional_tagger_reads_its_output(sandbox):
    patched = patch(recipe, TAGGER, sandbox.facts(TAGGER, "AttributeError"))
    assert "        features, _ = self.lstm(self.emb(tokens))\n" in patched
    sandbox.assert_clean(patched)


def test_a_call_inside_the_failing_expression_takes_the_output(sandbox):
    patched = patch(recipe, FRAME_REGRESSION, sandbox.facts(FRAME_REGRESSION, "TypeError"))
    assert "        return self.fc(self.gru(x)[0])\n" in patched
    sandbox.assert_clean(patched)


def test_no_match_for_a_layer_inside_sequential(sandbox):
    assert not applies(recipe, SEQUENTIAL, sandbox.facts(SEQUENTIAL, "TypeError"))


def test_a_name_holding_a_subscript_on_the_failing_line_is_no_rnn_result():
    facts = Facts("TypeError", "linear(): argument 'input' (position 1) must be Tensor, not tuple", line=6, lines=(6,))
    code = ("import torch.nn as nn\nrnn = nn.GRU(4, 4)\nhead = nn.Linear(4, 2)\nout = rnn(x)\n"
            "last = out[-1]\ny = head(last)\n")
    assert not applies(recipe, code, facts)
