from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import rnn_state_shape as recipe

FORECASTER = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)


class Forecaster(nn.Module):
    def __init__(self, n_features=3, hidden=32, layers=2):
        super().__init__()
        self.lstm = nn.LSTM(n_features, hidden, num_layers=layers, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x):
        batch = x.size(0)
        layers, hidden = self.lstm.num_layers, self.lstm.hidden_size
        h0 = torch.zeros(batch, layers, hidden)
        c0 = torch.zeros(batch, layers, hidden)
        out, _ = self.lstm(x, (h0, c0))
        return self.head(out[:, -1])


model = Forecaster()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
x = torch.randn(4, 10, 3)
y = torch.randn(4, 1)
for step in range(3):
    loss = nn.functional.mse_loss(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
'''

# Zeros in the right layout are exactly the default state: the same prediction as passing none.
SAME_AS_DEFAULT_STATE = '''
with torch.no_grad():
    default, _ = model.lstm(x)
    assert torch.allclose(model(x), model.head(default[:, -1]))
'''

TAGGER_WITH_HELPER = '''\
import torch
from torch import nn

VOCAB, EMBED, HIDDEN, TAGS = 100, 16, 24, 5


class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(VOCAB, EMBED)
        self.gru = nn.GRU(EMBED, HIDDEN, num_layers=2, bidirectional=True, batch_first=True)
        self.out = nn.Linear(2 * HIDDEN, TAGS)

    def init_hidden(self, batch_size):
        return torch.zeros(1, batch_size, HIDDEN)

    def forward(self, tokens):
        hidden = self.init_hidden(tokens.size(0))
        states, _ = self.gru(self.emb(tokens), hidden)
        return self.out(states)


model = Tagger()
tokens = torch.randint(0, VOCAB, (6, 9))
tags = torch.randint(0, TAGS, (6, 9))
logits = model(tokens)
loss = nn.functional.cross_entropy(logits.reshape(-1, TAGS), tags.reshape(-1))
loss.backward()
assert logits.shape == (6, 9, TAGS)
'''

FIXED_BATCH_LOOP = '''\
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

BATCH_SIZE, NUM_LAYERS, HIDDEN = 4, 1, 20
series = torch.randn(10, 7, 2)                     # 10 sequences; the last batch holds 2
targets = torch.randn(10, 1)
loader = DataLoader(TensorDataset(series, targets), batch_size=BATCH_SIZE)

rnn = nn.LSTM(2, HIDDEN, NUM_LAYERS)               # time-major: [time, batch, features]
head = nn.Linear(HIDDEN, 1)
seen = 0
for x, y in loader:
    x = x.transpose(0, 1)
    h0 = torch.zeros(NUM_LAYERS, BATCH_SIZE, HIDDEN)
    c0 = torch.zeros(NUM_LAYERS, BATCH_SIZE, HIDDEN)
    out, (h_n, c_n) = rnn(x, (h0, c0))
    loss = nn.functional.mse_loss(head(h_n[-1]), y)
    loss.backward()
    seen += y.size(0)
assert seen == 10
'''


STATEFUL_CALLER = '''\
import torch
import torch.nn as nn

device = torch.device("cpu")


class CharRNN(nn.Module):
    def __init__(self, chars=20, hidden=16, layers=2):
        super().__init__()
        self.layers, self.hidden = layers, hidden
        self.emb = nn.Embedding(chars, 8)
        self.rnn = nn.LSTM(8, hidden, num_layers=layers, batch_first=True)
        self.out = nn.Linear(hidden, chars)

    def init_hidden(self, batch):
        return (torch.zeros(batch, self.layers, self.hidden).to(device),
                torch.zeros(batch, self.layers, self.hidden).to(device))

    def forward(self, x, state):
        out, state = self.rnn(self.emb(x), state)
        return self.out(out), state


model = CharRNN().to(device)
text = torch.randint(0, 20, (3, 11))
state = model.init_hidden(3)
for start in range(0, 10, 5):
    logits, state = model(text[:, start:start + 5], state)
    state = tuple(s.detach() for s in state)
    loss = nn.functional.cross_entropy(logits.transpose(1, 2), text[:, start + 1:start + 6])
    loss.backward()
'''

STATE_WITHOUT_LAYERS = '''\
import torch
import torch.nn as nn

HIDDEN = 12
gru = nn.GRU(5, HIDDEN, num_layers=2)           # time-major
decoder = nn.Linear(HIDDEN, 5)


def run(x):
    h0 = torch.zeros(x.size(1), HIDDEN)
    out, h_n = gru(x, h0)
    return decoder(out)


y = run(torch.randn(7, 3, 5))
assert y.shape == (7, 3, 5)
'''


def test_a_batch_first_state_gets_its_first_two_sizes_swapped(sandbox):
    patched = patch(recipe, FORECASTER, sandbox.facts(FORECASTER, "RuntimeError"))
    assert "        h0 = torch.zeros(layers, batch, hidden)\n        c0 = torch.zeros(layers, batch, hidden)\n" in patched
    sandbox.assert_clean(patched + SAME_AS_DEFAULT_STATE)


def test_a_helper_state_counts_layers_and_directions(sandbox):
    patched = patch(recipe, TAGGER_WITH_HELPER, sandbox.facts(TAGGER_WITH_HELPER, "RuntimeError"))
    assert "        return torch.zeros(2 * self.gru.num_layers, batch_size, HIDDEN)\n" in patched
    sandbox.assert_clean(patched)


def test_a_state_for_a_fixed_batch_size_follows_the_input(sandbox):
    patched = patch(recipe, FIXED_BATCH_LOOP, sandbox.facts(FIXED_BATCH_LOOP, "RuntimeError"))
    assert "    h0 = torch.zeros(NUM_LAYERS, x.size(1), HIDDEN)\n    c0 = torch.zeros(NUM_LAYERS, x.size(1), HIDDEN)\n" in patched
    sandbox.assert_clean(patched)


def test_no_match_when_the_state_comes_from_another_module():
    code = ("import torch.nn as nn\nencoder = nn.GRU(8, 16)\ndecoder = nn.GRU(8, 16)\n"
            "_, h = encoder(src)\nout, _ = decoder(tgt, h)\n")
    facts = Facts("RuntimeError", "Expected hidden size (1, 4, 16), got [2, 4, 16]", line=5, lines=(5,))
    assert not applies(recipe, code, facts)


def test_a_state_passed_in_by_the_caller_is_fixed_in_its_helper(sandbox):
    patched = patch(recipe, STATEFUL_CALLER, sandbox.facts(STATEFUL_CALLER, "RuntimeError"))
    assert ("        return (torch.zeros(self.layers, batch, self.hidden).to(device),\n"
            "                torch.zeros(self.layers, batch, self.hidden).to(device))\n") in patched
    sandbox.assert_clean(patched)


def test_a_state_without_the_layer_axis_gets_it(sandbox):
    patched = patch(recipe, STATE_WITHOUT_LAYERS, sandbox.facts(STATE_WITHOUT_LAYERS, "RuntimeError"))
    assert "    h0 = torch.zeros(gru.num_layers, x.size(1), HIDDEN)\n" in patched
    sandbox.assert_clean(patched)


CELL_LOOP = '''\
import torch
import torch.nn as nn

torch.manual_seed(3)
batch, steps, features, hidden = 6, 5, 3, 8
cell = nn.GRUCell(features, hidden)
inputs = torch.randn(steps, batch - 2, features)
h = torch.zeros(batch, hidden)
outputs = []
for t in range(steps):
    h = cell(inputs[t], h)
    outputs.append(h)
'''

CELL_IN_A_MODEL = '''\
import torch
import torch.nn as nn

torch.manual_seed(6)


class Stepper(nn.Module):
    def __init__(self, features=5, hidden=20):
        super().__init__()
        self.cell = nn.LSTMCell(features, hidden)
        self.head = nn.Linear(hidden, 1)
        self.hidden = hidden

    def forward(self, x):                # x: [batch, time, features]
        h = torch.zeros(x.size(0), self.hidden + 1)
        c = torch.zeros(x.size(0), self.hidden + 1)
        for t in range(x.size(1)):
            h, c = self.cell(x[:, t], (h, c))
        return self.head(h)


model = Stepper()
pred = model(torch.randn(3, 8, 5))
pred.sum().backward()
'''

STATE_FROM_THE_CALLER = '''\
import torch
import torch.nn as nn

torch.manual_seed(4)


class CharModel(nn.Module):
    def __init__(self, n_chars=30, hidden=32):
        super().__init__()
        self.embed = nn.Embedding(n_chars, 16)
        self.rnn = nn.RNN(16, hidden, batch_first=True)
        self.out = nn.Linear(hidden, n_chars)

    def forward(self, ids, hx):
        y, hx = self.rnn(self.embed(ids), hx=hx)
        return self.out(y), hx


model = CharModel()
ids = torch.randint(0, 30, (4, 12))
hx = torch.zeros(4, 32)
logits, hx = model(ids, hx)
'''


def test_a_cell_state_gets_the_batch_size_of_its_steps(sandbox):
    patched = patch(recipe, CELL_LOOP, sandbox.facts(CELL_LOOP, "RuntimeError"))
    assert "h = torch.zeros(inputs.size(1), hidden)\n" in patched   # the batch axis of inputs[t]
    sandbox.assert_clean(patched + "assert torch.stack(outputs).shape == (5, 4, 8)\n")


def test_a_cell_state_gets_the_cells_hidden_size(sandbox):
    patched = patch(recipe, CELL_IN_A_MODEL, sandbox.facts(CELL_IN_A_MODEL, "RuntimeError"))
    assert "        h = torch.zeros(x.size(0), self.cell.hidden_size)\n" in patched
    assert "        c = torch.zeros(x.size(0), self.cell.hidden_size)\n" in patched
    sandbox.assert_clean(patched + "assert pred.shape == (3, 1) and model.cell.weight_hh.grad is not None\n")


def test_a_module_level_state_gets_the_layer_count_as_a_number(sandbox):
    patched = patch(recipe, STATE_FROM_THE_CALLER, sandbox.facts(STATE_FROM_THE_CALLER, "RuntimeError"))
    assert "hx = torch.zeros(1, 4, 32)\n" in patched
    sandbox.assert_clean(patched + "assert logits.shape == (4, 12, 30) and hx.shape == (1, 4, 32)\n")


SHORT_LAST_BATCH = '''\
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

BATCH = 8
torch.manual_seed(3)
seqs, targets = torch.randn(20, 5, 3), torch.randn(20, 1)
loader = DataLoader(TensorDataset(seqs, targets), batch_size=BATCH)


class Regressor(nn.Module):
    def __init__(self, hidden=6):
        super().__init__()
        self.hidden = hidden
        self.lstm = nn.LSTM(3, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, 1)

    def init_hidden(self, batch_size):
        return (torch.zeros(1, batch_size, self.hidden), torch.zeros(1, batch_size, self.hidden))

    def forward(self, x):
        state = self.init_hidden(BATCH)
        out, _ = self.lstm(x, state)
        return self.fc(out[:, -1])


model = Regressor()
for xb, yb in loader:
    loss = nn.functional.mse_loss(model(xb), yb)
'''

SEQUENCE_FIRST_HELPER = '''\
import torch
import torch.nn as nn


def zero_state(layers, batch, hidden):
    return torch.zeros(layers, batch, hidden)


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.LSTM(2, 5, num_layers=3)

    def forward(self, x):  # x: seq, batch, feat
        h = zero_state(self.rnn.num_layers, x.size(0), self.rnn.hidden_size)
        c = zero_state(self.rnn.num_layers, x.size(0), self.rnn.hidden_size)
        return self.rnn(x, (h, c))[0]


torch.manual_seed(4)
m = Model()
x = torch.randn(10, 4, 2)
out = m(x)
'''


def test_a_helper_given_a_fixed_batch_size_is_given_the_inputs(sandbox):
    patched = patch(recipe, SHORT_LAST_BATCH, sandbox.facts(SHORT_LAST_BATCH, "RuntimeError"))
    assert "        state = self.init_hidden(x.size(0))\n" in patched
    assert "torch.zeros(1, batch_size, self.hidden)" in patched  # the helper is untouched
    last = "\nwith torch.no_grad():\n    assert torch.allclose(model(xb), model.fc(model.lstm(xb)[0][:, -1]))\n"
    sandbox.assert_clean(patched + "assert len(xb) == 4\n" + last)


def test_a_helper_called_with_the_wrong_axis_gets_the_batch_axis(sandbox):
    patched = patch(recipe, SEQUENCE_FIRST_HELPER, sandbox.facts(SEQUENCE_FIRST_HELPER, "RuntimeError"))
    assert patched.count("zero_state(self.rnn.num_layers, x.size(1), self.rnn.hidden_size)") == 2
    same = "\nwith torch.no_grad():\n    assert out.shape == (10, 4, 5) and torch.allclose(out, m.rnn(x)[0])\n"
    sandbox.assert_clean(patched + same)


DETACHED_EACH_STEP = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)
data = torch.randint(0, 15, (3, 16))


class LM(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(15, 8)
        self.lstm = nn.LSTM(8, 8, batch_first=True)

    def init_hidden(self, bsz):
        return (torch.zeros(bsz, 1, 8), torch.zeros(bsz, 1, 8))

    def forward(self, ids, hidden):
        return self.lstm(self.emb(ids), hidden)


lm = LM()
hidden = lm.init_hidden(3)
for i in range(0, 15, 5):
    hidden = tuple(h.detach() for h in hidden)
    out, hidden = lm(data[:, i:i + 5], hidden)
'''


def test_a_state_detached_tensor_by_tensor_is_followed_to_its_helper(sandbox):
    patched = patch(recipe, DETACHED_EACH_STEP, sandbox.facts(DETACHED_EACH_STEP, "RuntimeError"))
    assert "        return (torch.zeros(1, bsz, 8), torch.zeros(1, bsz, 8))\n" in patched
    sandbox.assert_clean(patched + "assert out.shape == (3, 5, 8) and hidden[0].shape == (1, 3, 8)\n")


FIXED_BATCH_IN_A_LOADER_LOOP = '''\
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
BATCH = 4
xs = torch.randn(10, 5, 2)
gru = nn.GRU(2, 6, batch_first=True)
seen = []
for xb, in DataLoader(TensorDataset(xs), batch_size=BATCH):
    h = torch.zeros(1, BATCH, 6)
    out, _ = gru(xb, h)
    seen.append(out[:, -1])
'''


def test_a_state_rebuilt_per_batch_takes_the_batch_of_the_loop_variable(sandbox):
    source = FIXED_BATCH_IN_A_LOADER_LOOP
    patched = patch(recipe, source, sandbox.facts(source, "RuntimeError"))
    assert "    h = torch.zeros(1, xb.size(0), 6)\n" in patched
    every_sample = "assert torch.allclose(torch.cat(seen), gru(xs)[0][:, -1])\n"
    sandbox.assert_clean(patched + "\nwith torch.no_grad():\n    " + every_sample)


OPTIONAL_STATE = '''\
import torch
from torch import nn

torch.manual_seed(0)


class Encoder(nn.Module):
    def __init__(self, features=5, hidden=12, layers=3):
        super().__init__()
        self.lstm = nn.LSTM(features, hidden, num_layers=layers, batch_first=True)

    def forward(self, x, state=None):
        if state is None:
            size = (x.size(0), self.lstm.num_layers, self.lstm.hidden_size)
            state = (torch.zeros(*size), torch.zeros(*size))
        out, state = self.lstm(x, state)
        return out, state


encoder = Encoder()
x = torch.randn(6, 9, 5)
out, state = encoder(x)
'''

OPTIONAL_GRU_STATE = '''\
import torch
import torch.nn as nn


class Decoder(nn.Module):
    def __init__(self, vocab=30, width=10, hidden=14):
        super().__init__()
        self.hidden = hidden
        self.emb = nn.Embedding(vocab, width)
        self.gru = nn.GRU(width, hidden, num_layers=2)
        self.out = nn.Linear(hidden, vocab)

    def forward(self, tokens, h=None):
        if h is None:
            h = torch.zeros(tokens.size(1), 2, self.hidden)
        y, h = self.gru(self.emb(tokens), h)
        return self.out(y), h


decoder = Decoder()
tokens = torch.randint(0, 30, (7, 4))
h = None
for step in range(2):
    logits, h = decoder(tokens, h)
    h = h.detach()
'''


def test_the_none_default_of_an_optional_state_is_fixed(sandbox):
    patched = patch(recipe, OPTIONAL_GRU_STATE, sandbox.facts(OPTIONAL_GRU_STATE, "RuntimeError"))
    assert "            h = torch.zeros(2, tokens.size(1), self.hidden)\n" in patched
    sandbox.assert_clean(patched + "\nassert h.shape == (2, 4, 14)\n")


def test_a_state_size_bound_to_a_name_is_left_alone(sandbox):
    """The sizes are a tuple built on another line: no constructor of three sizes to correct."""
    assert not applies(recipe, OPTIONAL_STATE, sandbox.facts(OPTIONAL_STATE, "RuntimeError"))


SHAPE_NAMED_BEFORE = '''\
import torch
import torch.nn as nn


class SensorEncoder(nn.Module):
    def __init__(self, channels=6, hidden=20, depth=3):
        super().__init__()
        self.depth, self.hidden = depth, hidden
        self.gru = nn.GRU(channels, hidden, num_layers=depth, batch_first=True)
        self.score = nn.Linear(hidden, 1)

    def begin_state(self, batch):
        size = (batch, self.depth, self.hidden)    # batch first, like the input
        return torch.zeros(size)

    def forward(self, readings, state):
        out, state = self.gru(readings, state)
        return self.score(out[:, -1]), state


torch.manual_seed(0)
encoder = SensorEncoder()
windows = torch.randn(5, 30, 6)
state = encoder.begin_state(5)
scores, state = encoder(windows, state)
'''


def test_a_shape_named_before_the_constructor_is_reordered_where_it_is_written(sandbox):
    facts = sandbox.facts(SHAPE_NAMED_BEFORE, "RuntimeError")
    patched = patch(recipe, SHAPE_NAMED_BEFORE, facts)
    assert "size = (self.depth, batch, self.hidden)    # batch first, like the input" in patched
    sandbox.assert_clean(patched + "\nassert scores.shape == (5, 1) and state.shape == (3, 5, 20)\n")
