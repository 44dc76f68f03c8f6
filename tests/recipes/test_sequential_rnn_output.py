from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import sequential_rnn_output as recipe

CLASSIFIER = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)
B, T, F, CLASSES = 6, 12, 8, 3

model = nn.Sequential(
    nn.LSTM(F, 32, batch_first=True),        # returns (output, (h_n, c_n))
    nn.Linear(32, CLASSES),
)
x = torch.randn(B, T, F)
y = torch.randint(0, CLASSES, (B,))
loss = nn.functional.cross_entropy(model(x), y)
loss.backward()
'''

# The head classifies the LSTM's output at the last time step, one row per sequence.
CLASSIFIES_THE_LAST_STEP = '''
with torch.no_grad():
    output, _ = model[0](x)
    assert torch.allclose(model(x), model[2](output[:, -1]))
    assert model(x).shape == (B, CLASSES)
'''

TIME_MAJOR_TRAINING = '''\
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
signals = torch.randn(32, 15, 4)
labels = (signals[:, :, 0].mean(1) > 0).long()
loader = DataLoader(TensorDataset(signals, labels), batch_size=8, shuffle=True)

encoder = nn.Sequential(nn.GRU(4, 16), nn.ReLU(), nn.Linear(16, 2))
opt = torch.optim.Adam(encoder.parameters(), lr=1e-2)
for epoch in range(2):
    for x, y in loader:
        logits = encoder(x.transpose(0, 1))      # the GRU is time-major: [time, batch, features]
        loss = nn.functional.cross_entropy(logits, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
assert logits.shape == (8, 2)
'''


def test_a_last_step_module_follows_the_lstm(sandbox):
    patched = patch(recipe, CLASSIFIER, sandbox.facts(CLASSIFIER, "TypeError"))
    assert ("    nn.LSTM(F, 32, batch_first=True),        # returns (output, (h_n, c_n))\n"
            "    LastTimeStep(batch_first=True),\n    nn.Linear(32, CLASSES),\n") in patched
    assert patched.index("class LastTimeStep(nn.Module):") < patched.index("model = nn.Sequential(")
    sandbox.assert_clean(patched + CLASSIFIES_THE_LAST_STEP)


def test_a_time_major_gru_gives_its_last_step(sandbox):
    patched = patch(recipe, TIME_MAJOR_TRAINING, sandbox.facts(TIME_MAJOR_TRAINING, "TypeError"))
    assert "encoder = nn.Sequential(nn.GRU(4, 16), LastTimeStep(batch_first=False), nn.ReLU(), nn.Linear(16, 2))" in patched
    sandbox.assert_clean(patched)


def test_no_match_when_the_rnn_is_the_last_layer(sandbox):
    code = "import torch\nimport torch.nn as nn\nnet = nn.Sequential(nn.Linear(4, 8), nn.GRU(8, 8))\nout = net(torch.randn(5, 2, 4))\nout.size(0)\n"
    assert not applies(recipe, code, sandbox.facts(code, "AttributeError"))


TAGGER = '''\
import torch
from torch import nn

torch.manual_seed(0)
WORDS, TAGS, B, T = 500, 7, 4, 9

tagger = nn.Sequential(
    nn.Embedding(WORDS, 24),
    nn.GRU(24, 40, batch_first=True),
    nn.Linear(40, TAGS),
)
opt = torch.optim.SGD(tagger.parameters(), lr=0.1)
words, tags = torch.randint(0, WORDS, (B, T)), torch.randint(0, TAGS, (B, T))
scores = tagger(words)
loss = nn.functional.cross_entropy(scores.view(-1, TAGS), tags.view(-1))
loss.backward()
opt.step()
'''

# one row of tag scores per token: the head applied to the GRU's output at every step
TAGS_EVERY_STEP = '''
with torch.no_grad():
    output, _ = tagger[1](tagger[0](words))
    assert torch.allclose(tagger(words), tagger[3](output))
assert scores.shape == (B, T, TAGS)
'''


def test_a_per_token_reading_gets_the_output_at_every_step(sandbox):
    patched = patch(recipe, TAGGER, sandbox.facts(TAGGER, "TypeError"))
    assert "    nn.GRU(24, 40, batch_first=True),\n    RNNOutput(),\n" in patched
    assert "LastTimeStep" not in patched
    sandbox.assert_clean(patched + TAGS_EVERY_STEP)
