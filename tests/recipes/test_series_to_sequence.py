from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import series_to_sequence as recipe

NEXT_VALUE = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)


class NextValue(nn.Module):
    def __init__(self, hidden=16):
        super().__init__()
        self.gru = nn.GRU(input_size=1, hidden_size=hidden, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x):
        out, h_n = self.gru(x)
        return self.head(h_n[-1])


model = NextValue()
readings = torch.sin(torch.linspace(0, 6.28, 51))
history, target = readings[:-1], readings[-1:]
pred = model(history)
loss = nn.functional.mse_loss(pred.view(-1), target)
loss.backward()
'''

# The GRU ran over the 50 readings as 50 steps of one sequence.
FIFTY_STEPS = '''
out, _ = model.gru(history.view(1, -1, 1))
assert out.shape == (1, 50, 16) and torch.allclose(pred, model.head(out[:, -1]))
'''


def test_the_series_becomes_one_sequence_of_single_features(sandbox):
    patched = patch(recipe, NEXT_VALUE, sandbox.facts(NEXT_VALUE, "ValueError"))
    assert "pred = model(history.view(1, -1, 1))\n" in patched
    sandbox.assert_clean(patched + FIFTY_STEPS)


def test_sequence_first_layers_get_the_steps_first():
    code = "import torch\nlstm = torch.nn.LSTM(1, 8)\nout, state = lstm(series)\n"
    facts = Facts("ValueError", "LSTM: Expected input to be 2D or 3D, got 1D instead", line=3, lines=(3,))
    assert patch(recipe, code, facts).endswith("out, state = lstm(series.view(-1, 1, 1))\n")


def test_several_features_are_one_step():
    code = "import torch\nlstm = torch.nn.LSTM(4, 8)\nout, state = lstm(reading)\n"
    facts = Facts("ValueError", "LSTM: Expected input to be 2D or 3D, got 1D instead", line=3, lines=(3,))
    assert patch(recipe, code, facts).endswith("out, state = lstm(reading.view(1, 1, -1))\n")


def test_no_match_when_the_input_size_is_unknown():
    code = "import torch\nlstm = torch.nn.LSTM(width(), 8)\nout, state = lstm(series)\n"
    facts = Facts("ValueError", "LSTM: Expected input to be 2D or 3D, got 1D instead", line=3, lines=(3,))
    assert not applies(recipe, code, facts)


LAYER_AS_PARAMETER = '''\
import torch
from torch import nn

torch.manual_seed(1)
net = nn.GRU(1, 8)            # sequence-first
head = nn.Linear(8, 1)


def forecast(rnn, seq):
    _, h = rnn(seq)
    return head(h[-1])


prices = torch.cumsum(torch.randn(30), 0)
prediction = forecast(net, prices)
'''

ONE_READING = '''\
import argparse
import torch
import torch.nn as nn

p = argparse.ArgumentParser()
p.add_argument("--features", type=int, default=6)
p.add_argument("--hidden", type=int, default=10)
args = p.parse_args([])

torch.manual_seed(2)
rnn = nn.RNN(args.features, args.hidden, batch_first=True)
readout = nn.Linear(args.hidden, 3)

sensor = torch.randn(args.features)     # one reading of every sensor
out, h = rnn(sensor)
scores = readout(h[-1])
'''

STEP_METHOD = '''\
import torch
import torch.nn as nn

torch.manual_seed(5)


class Encoder(nn.Module):
    def __init__(self, embed=12, hidden=20):
        super().__init__()
        self.gru = nn.GRU(embed, hidden, batch_first=True)

    def step(self, token_vec, state=None):
        out, state = self.gru(token_vec, state)
        return out, state


enc = Encoder()
vec = torch.randn(12)
out, state = enc.step(vec)
'''


def test_layer_passed_to_a_helper(sandbox):
    patched = patch(recipe, LAYER_AS_PARAMETER, sandbox.facts(LAYER_AS_PARAMETER, "ValueError"))
    assert "    _, h = rnn(seq.view(-1, 1, 1))\n" in patched
    sandbox.assert_clean(patched + "_, h = net(prices.view(30, 1, 1))\nassert torch.allclose(prediction, head(h[-1]))\n")


def test_one_reading_of_several_sensors_is_one_step(sandbox):
    facts = sandbox.facts(ONE_READING, "ValueError")
    assert "got 1D tensor instead" in facts.message   # nn.RNN's own wording
    patched = patch(recipe, ONE_READING, facts)
    assert "out, h = rnn(sensor.view(1, 1, -1))\n" in patched
    sandbox.assert_clean(patched + "assert out.shape == (1, 1, 10) and scores.shape == (1, 3)\n")


def test_direct_layer_call_in_a_method(sandbox):
    patched = patch(recipe, STEP_METHOD, sandbox.facts(STEP_METHOD, "ValueError"))
    assert "        out, state = self.gru(token_vec.view(1, 1, -1), state)\n" in patched
    sandbox.assert_clean(patched + "assert out.shape == (1, 1, 20) and state.shape == (1, 1, 20)\n")


FACTORY_BUILT = '''\
import torch
from torch import nn

torch.manual_seed(6)


def build(hidden):
    return nn.GRU(1, hidden)


def predict(net, readings):
    output, last = net(readings)
    return last[-1]


gru = build(6)
signal = torch.linspace(0, 3, 30)
state = predict(gru, signal)
'''

FRAME_FEATURES = '''\
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(7)
clips = torch.randn(16, 6, 4, 4)            # clips, frames, 4x4 feature map per frame
labels = torch.randint(0, 3, (16,))
loader = DataLoader(TensorDataset(clips, labels), batch_size=4)


class ClipClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.temporal = nn.LSTM(16, 12, batch_first=True)
        self.cls = nn.Linear(12, 3)

    def forward(self, frames):
        seq, _ = self.temporal(frames)
        return self.cls(seq[:, -1])


net = ClipClassifier()
for xb, yb in loader:
    logits = net(xb)
    loss = nn.functional.cross_entropy(logits, yb)
'''


def test_a_layer_built_by_a_factory_function(sandbox):
    patched = patch(recipe, FACTORY_BUILT, sandbox.facts(FACTORY_BUILT, "ValueError"))
    assert "    output, last = net(readings.view(-1, 1, 1))\n" in patched
    sandbox.assert_clean(patched + "assert torch.allclose(state, gru(signal.view(30, 1, 1))[1][-1])\n")


def test_frame_features_are_merged_into_each_steps_features(sandbox):
    patched = patch(recipe, FRAME_FEATURES, sandbox.facts(FRAME_FEATURES, "ValueError"))
    assert "        seq, _ = self.temporal(frames.flatten(2))\n" in patched
    # each frame's 16 values are one step's features: a batch of 4 clips of 6 steps
    meant = "\nseq, _ = net.temporal(xb.reshape(4, 6, 16))\nassert torch.allclose(logits, net.cls(seq[:, -1]))\n"
    sandbox.assert_clean(patched + meant)


ROLLOUT = '''\
import argparse
import torch
import torch.nn as nn

torch.manual_seed(3)


class LoadForecaster(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.gru = nn.GRU(1, hidden, batch_first=True)
        self.out = nn.Linear(hidden, 1)

    def forward(self, x):  # x: (B, T, 1)
        steps, _ = self.gru(x)
        return self.out(steps[:, -1]).squeeze(-1)


parser = argparse.ArgumentParser()
parser.add_argument("--hidden", type=int, default=12)
args = parser.parse_args([])
net = LoadForecaster(args.hidden).eval()
load = torch.rand(30)
with torch.no_grad():
    last_step = net.gru(load)[0][-1]
    forecast = net.out(last_step).squeeze()
print(forecast.item())
'''

# The layer saw the 30 readings as one unbatched sequence: its last step is the model's forecast.
AS_THE_MODEL_DOES = '''
assert last_step.shape == (12,)
assert torch.allclose(forecast, net(load.view(1, 30, 1))[0])
'''


def test_a_model_layer_called_directly_gets_an_unbatched_sequence(sandbox):
    patched = patch(recipe, ROLLOUT, sandbox.facts(ROLLOUT, "ValueError"))
    assert "last_step = net.gru(load.view(-1, 1))[0][-1]\n" in patched
    sandbox.assert_clean(patched + AS_THE_MODEL_DOES)
