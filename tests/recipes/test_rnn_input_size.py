from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import rnn_input_size as recipe

SENTIMENT = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)


class SentimentLSTM(nn.Module):
    def __init__(self, vocab_size=1000, embed_dim=32, hidden=48, num_classes=2):
        super().__init__()
        self.emb = nn.Embedding(vocab_size, embed_dim)
        self.drop = nn.Dropout(0.2)
        self.lstm = nn.LSTM(input_size=64, hidden_size=hidden, batch_first=True)
        self.head = nn.Linear(hidden, num_classes)

    def forward(self, tokens):
        x = self.drop(self.emb(tokens))
        out, (h_n, c_n) = self.lstm(x)
        return self.head(h_n[-1])


model = SentimentLSTM()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
tokens = torch.randint(0, 1000, (8, 20))
labels = torch.randint(0, 2, (8,))
for step in range(30):
    loss = nn.functional.cross_entropy(model(tokens), labels)
    opt.zero_grad()
    loss.backward()
    opt.step()
'''

# The layer now reads every embedding feature, and the model still learns its labels.
LEARNS = '''
assert model.lstm.weight_ih_l0.shape == (4 * 48, model.emb.embedding_dim)
assert loss.item() < 0.3, loss.item()
'''

SENSORS_WITH_CONFIG = '''\
import argparse

import torch
from torch import nn

BATCH, STEPS, N_SENSORS = 16, 25, 6

parser = argparse.ArgumentParser()
parser.add_argument("--inputs", type=int, default=4)
parser.add_argument("--hidden", type=int, default=32)
cfg = parser.parse_args([])


class Regressor(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.rnn = nn.GRU(cfg.inputs, cfg.hidden, batch_first=True)
        self.out = nn.Linear(cfg.hidden, 1)

    def forward(self, series):
        states, last = self.rnn(series)
        return self.out(last[-1])


readings = torch.randn(BATCH, STEPS, N_SENSORS)
target = readings[:, -1, :1]
model = Regressor(cfg)
prediction = model(readings)
loss = nn.functional.mse_loss(prediction, target)
loss.backward()
assert prediction.shape == target.shape
'''

PROJECTED = '''\
import torch
import torch.nn as nn

proj = nn.Linear(10, 24)
rnn = nn.GRU(16, 32)                  # time-major
frames = torch.randn(30, 4, 10)
out, h = rnn(torch.relu(proj(frames)))
assert out.shape == (30, 4, 32)
'''

CHANNELS_FIRST_SIGNAL = '''\
import torch
import torch.nn as nn

signal = torch.randn(8, 4, 100)       # [batch, channels, time], as a Conv1d would take it
lstm = nn.LSTM(4, 16, batch_first=True)
out, _ = lstm(signal)
'''

LOADER_PIPELINE = '''\
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
N_FEATURES = 9                                      # two sensors were added to the 7 we had
readings = torch.randn(40, 12, N_FEATURES)
labels = torch.randint(0, 2, (40,))
loader = DataLoader(TensorDataset(readings, labels), batch_size=8, shuffle=True)


class Detector(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(7, 24, batch_first=True)
        self.head = nn.Linear(24, 2)

    def forward(self, x):
        _, (h_n, _) = self.lstm(x)
        return self.head(h_n[-1])


model = Detector()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(2):
    for step, (batch, target) in enumerate(loader):
        loss = nn.functional.cross_entropy(model(batch), target)
        opt.zero_grad()
        loss.backward()
        opt.step()
assert model.lstm.input_size == N_FEATURES
'''


def test_the_size_is_taken_from_the_embedding_that_feeds_the_layer(sandbox):
    patched = patch(recipe, SENTIMENT, sandbox.facts(SENTIMENT, "RuntimeError"))
    assert "self.lstm = nn.LSTM(input_size=self.emb.embedding_dim, hidden_size=hidden, batch_first=True)" in patched
    sandbox.assert_clean(patched + LEARNS)


def test_data_passed_into_the_model_gives_its_feature_count(sandbox):
    patched = patch(recipe, SENSORS_WITH_CONFIG, sandbox.facts(SENSORS_WITH_CONFIG, "RuntimeError"))
    assert "self.rnn = nn.GRU(6, cfg.hidden, batch_first=True)" in patched
    sandbox.assert_clean(patched)


def test_batches_from_a_loader_give_their_dataset_feature_count(sandbox):
    patched = patch(recipe, LOADER_PIPELINE, sandbox.facts(LOADER_PIPELINE, "RuntimeError"))
    assert "        self.lstm = nn.LSTM(9, 24, batch_first=True)\n" in patched
    sandbox.assert_clean(patched)


def test_a_projection_in_front_gives_its_out_features(sandbox):
    patched = patch(recipe, PROJECTED, sandbox.facts(PROJECTED, "RuntimeError"))
    assert "rnn = nn.GRU(proj.out_features, 32)                  # time-major" in patched
    sandbox.assert_clean(patched)


def test_no_match_when_the_features_are_on_another_axis(sandbox):
    assert not applies(recipe, CHANNELS_FIRST_SIGNAL, sandbox.facts(CHANNELS_FIRST_SIGNAL, "RuntimeError"))


SENSOR_WINDOWS = '''\
import torch
from torch import nn
from torch.utils.data import Dataset, DataLoader

SETTINGS = {"window": 12, "n_sensors": 4, "hidden": 32}


class Windows(Dataset):
    def __init__(self, series, window):
        self.series = series
        self.window = window

    def __len__(self):
        return len(self.series) - self.window

    def __getitem__(self, i):
        chunk = self.series[i:i + self.window]
        return chunk, self.series[i + self.window, 0]


class Forecaster(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.rnn = nn.LSTM(input_size=cfg["n_sensors"], hidden_size=cfg["hidden"], batch_first=True)
        self.out = nn.Linear(cfg["hidden"], 1)

    def forward(self, x):
        seq, _ = self.rnn(x)
        return self.out(seq[:, -1]).squeeze(-1)


series = torch.randn(200, 6)
loader = DataLoader(Windows(series, SETTINGS["window"]), batch_size=16, shuffle=True)
model = Forecaster(SETTINGS)
opt = torch.optim.Adam(model.parameters())
for xb, yb in loader:
    loss = nn.functional.mse_loss(model(xb), yb)
    opt.zero_grad()
    loss.backward()
    opt.step()
'''

CONV_THEN_GRU = '''\
import torch
import torch.nn as nn


class ConvGRU(nn.Module):
    def __init__(self, in_ch=3, feat=32, hidden=64, classes=5):
        super().__init__()
        self.conv = nn.Conv1d(in_ch, feat, kernel_size=3, padding=1)
        self.gru = nn.GRU(16, hidden, batch_first=True)
        self.cls = nn.Linear(hidden, classes)

    def forward(self, x):
        h = torch.relu(self.conv(x)).permute(0, 2, 1)
        out, last = self.gru(h)
        return self.cls(last[-1])


net = ConvGRU()
signals = torch.randn(8, 3, 50)
logits = net(signals)
'''

CHANNELS_FIRST_WINDOWS = '''\
import torch
from torch import nn
from torch.utils.data import Dataset, DataLoader


class Recordings(Dataset):
    def __init__(self):
        self.data = torch.randn(64, 4, 30)      # [recording, channel, time]

    def __len__(self):
        return len(self.data)

    def __getitem__(self, i):
        return self.data[i]


lstm = nn.LSTM(4, 16, batch_first=True)
for batch in DataLoader(Recordings(), batch_size=8):
    out, _ = lstm(batch)
'''


def test_batches_a_dataset_makes_give_the_message_size_when_the_config_holds_the_old_one(sandbox):
    facts = sandbox.facts(SENSOR_WINDOWS, "RuntimeError")
    patched = patch(recipe, SENSOR_WINDOWS, facts)
    assert 'nn.LSTM(input_size=6, hidden_size=cfg["hidden"], batch_first=True)' in patched
    sandbox.assert_clean(patched + "assert model.rnn.input_size == series.shape[1] and loss.dim() == 0\n")


def test_a_conv1d_output_moved_channels_last_gives_its_out_channels(sandbox):
    facts = sandbox.facts(CONV_THEN_GRU, "RuntimeError")
    patched = patch(recipe, CONV_THEN_GRU, facts)
    assert "self.gru = nn.GRU(self.conv.out_channels, hidden, batch_first=True)" in patched
    sandbox.assert_clean(patched + "assert logits.shape == (8, 5)\n")


def test_no_message_size_when_the_dataset_tensor_has_the_layer_size_on_another_axis(sandbox):
    facts = sandbox.facts(CHANNELS_FIRST_WINDOWS, "RuntimeError")
    assert not applies(recipe, CHANNELS_FIRST_WINDOWS, facts)
