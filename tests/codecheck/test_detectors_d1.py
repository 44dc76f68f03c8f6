"""Shape situations of pasted modules and fragments (helper d1): each detector fires on its situation
written in several ways and stays quiet on the correct look-alike; the abstract run tells a wrongly
flattened size from a Linear's wrong in_features, and the harness feeds a BatchNorm1d a sequence
where the layers after it need one."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator

import pytest

from tests.codecheck.lines import lines

# ---- batchnorm-over-time-axis: BatchNorm1d(C) straight into a batch_first RNN of input_size C ------

NORM_THEN_GRU = """\
import torch.nn as nn
class Tagger(nn.Module):
    def __init__(self, c=40):
        super().__init__()
        self.bn = nn.BatchNorm1d(c)
        self.rnn = nn.GRU(c, 64, batch_first=True)
    def forward(self, x):
        x = self.bn(x)
        out, _ = self.rnn(x)
        return out
"""

NESTED_WITH_DROPOUT = """\
import torch.nn as nn
class Sensor(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm = nn.BatchNorm1d(12)
        self.drop = nn.Dropout(0.2)
        self.lstm = nn.LSTM(input_size=12, hidden_size=32, num_layers=2, batch_first=True)
    def forward(self, seq):
        h = self.drop(self.norm(seq))
        return self.lstm(h)[0][:, -1]
"""


@pytest.mark.parametrize("source, line", [(NORM_THEN_GRU, 9), (NESTED_WITH_DROPOUT, 10)])
def test_a_norm_feeding_a_batch_first_rnn_of_its_width_fires(source, line):
    assert lines("batchnorm-over-time-axis", source) == [line]


@pytest.mark.parametrize("source", [
    NORM_THEN_GRU.replace("x = self.bn(x)", "x = self.bn(x.transpose(1, 2)).transpose(1, 2)"),
    NORM_THEN_GRU.replace("nn.BatchNorm1d(c)", "nn.LayerNorm(c)"),
    NORM_THEN_GRU.replace(", batch_first=True", ""),
    NORM_THEN_GRU.replace("nn.BatchNorm1d(c)", "nn.BatchNorm1d(c * 2)"),
    NESTED_WITH_DROPOUT.replace("h = self.drop(self.norm(seq))", "h = self.drop(self.norm(seq.permute(0, 2, 1)))"
                                ".permute(0, 2, 1)"),
])
def test_a_transposed_norm_a_layernorm_or_another_layout_is_quiet(source):
    assert lines("batchnorm-over-time-axis", source) == []


# ---- the abstract run: a conv map flattened to another width than the Linear after it reads ------------


@pytest.fixture(scope="module")
def run() -> Iterator:
    from assistant.sandbox import WarmSandbox

    with WarmSandbox() as box:
        yield box.run_source


HARD_CODED_HEAD = """\
import torch
import torch.nn as nn
model = nn.Sequential(
    nn.Conv2d(3, 16, 3), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(),
    nn.Linear(16 * 16 * 16, 10),
)
images = torch.randn(4, 3, 32, 32)
logits = model(images)
"""

VIEWED_IN_FORWARD = """\
import torch
import torch.nn as nn
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(8, 32, 5)
        self.pool = nn.MaxPool1d(2)
        self.fc = nn.Linear(32 * 50, 4)
    def forward(self, x):
        x = self.pool(torch.relu(self.conv(x)))
        x = x.view(x.size(0), -1)
        return self.fc(torch.dropout(x, 0.5, True))
signal = torch.randn(16, 8, 100)
out = Net()(signal)
"""


@pytest.mark.parametrize("source, line", [(HARD_CODED_HEAD, 9), (VIEWED_IN_FORWARD, 12)])
def test_a_map_flattened_to_another_width_is_flatten_before_linear(run, source, line):
    from assistant.answering.code_query import gather_evidence

    evidence = gather_evidence(source, run)
    assert evidence.raised.message.startswith("mat1 and mat2 shapes cannot be multiplied")
    assert [(f.line, f.entry_id) for f in evidence.findings] == [(line, "flatten-before-linear")]
    assert "flattened to" in evidence.findings[0].message


@pytest.mark.parametrize("source", [
    HARD_CODED_HEAD.replace("16 * 16 * 16", "16 * 15 * 15"),
    VIEWED_IN_FORWARD.replace("32 * 50", "32 * 48"),
])
def test_a_map_flattened_to_the_head_s_width_runs_clean(run, source):
    from assistant.answering.code_query import gather_evidence

    assert gather_evidence(source, run).how == "text"


def test_a_linear_given_a_flattened_table_is_not_a_flatten_finding(run):
    from assistant.answering.code_query import gather_evidence

    evidence = gather_evidence("import torch\nfc = torch.nn.Linear(60, 2)\nx = torch.randn(8, 5, 10).flatten(1)\n"
                               "y = fc(x)\n", run)
    assert evidence.raised is not None and not evidence.findings


# ---- the harness: a model opening with BatchNorm1d is fed [N, C, L] where its RNN needs a sequence --------

NORMED_RNN = """\
import torch.nn as nn
class Net(nn.Module):
    def __init__(self, c=16):
        super().__init__()
        self.norm = nn.BatchNorm1d(c)
        self.gru = nn.GRU(c, 32, batch_first=True)
        self.head = nn.Linear(32, 3)
    def forward(self, x):
        out, _ = self.gru(self.norm(x).transpose(1, 2))  # x: [N, C, L], the conv layout
        return self.head(out[:, -1])
"""


def test_a_model_opening_with_batchnorm1d_is_fed_a_sequence_when_it_needs_one(run):
    from assistant.repair.abstract_run import run_abstractly

    assert run_abstractly(NORMED_RNN, run).raised is None


def test_a_batchnorm1d_mlp_is_still_fed_rows_and_its_mismatch_found(run):
    from assistant.repair.abstract_run import run_abstractly

    mlp = ("import torch.nn as nn\nclass Mlp(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
           "        self.net = nn.Sequential(nn.BatchNorm1d(10), nn.Linear(12, 2))\n"
           "    def forward(self, x):\n        return self.net(x)\n")
    raised = run_abstractly(mlp, run).raised
    assert raised is not None and "mat1 and mat2 shapes cannot be multiplied (4x10 and 12x2)" in raised.message


# ---- layers a fragment's comments declare: built on the pasted `self` for the abstract run ---------------


def test_a_comment_declares_the_layer_of_its_line_or_of_an_attribute_it_assigns():
    from assistant.repair.layer_comments import declared_layers

    fragment = ("h = self.encoder(x)  # self.proj = nn.Linear(256, 64)\n"
                "z = self.norm(h)  # nn.LayerNorm(64, eps=1e-6)\n"
                "out, state = self.lstm(z, state)  # nn.LSTM(64, 128, batch_first=True), 2 layers\n")
    assert declared_layers(fragment) == {"proj": "nn.Linear(256, 64)", "norm": "nn.LayerNorm(64, eps=1e-6)",
                                         "lstm": "nn.LSTM(64, 128, batch_first=True)"}


@pytest.mark.parametrize("fragment", [
    "y = self.fc(x)  # nn.Linear(hidden, 3)\n",  # a size left open
    "y = self.fc(self.drop(x))  # nn.Linear(16, 3)\n",  # two calls: which one is meant
    "y = self.fc(x)  # like nn.Linear(16, 3) but with a mask\n",  # the construction does not open the comment
    "y = fc(x)  # nn.Linear(16, 3)\n",  # not a layer of self
])
def test_a_comment_that_leaves_the_layer_open_declares_nothing(fragment):
    from assistant.repair.layer_comments import declared_layers

    assert declared_layers(fragment) == {}


def test_a_fragment_s_declared_head_is_checked_against_its_declared_input(run):
    from assistant.repair.abstract_run import run_abstractly

    fragment = ("feats = self.backbone(images)   # [B, 512]\n"
                "scores = self.classifier(feats)  # self.classifier = nn.Linear(2048, 10)\n")
    raised = run_abstractly(fragment, run).raised
    assert raised.line == 2 and "(32x512 and 2048x10)" in raised.message
    assert run_abstractly(fragment.replace("2048", "512"), run).raised is None


# ---- batchnorm-last-batch-of-one: a data set that leaves one sample for the last batch --------------------

TENSOR_LOOP = """\
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset
features = torch.randn(1025, 16)
labels = torch.randint(0, 2, (1025,))
loader = DataLoader(TensorDataset(features, labels), batch_size=32, shuffle=True)
net = nn.Sequential(nn.Linear(16, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Linear(32, 2))
opt = torch.optim.SGD(net.parameters(), lr=0.1)
for epoch in range(3):
    for x, y in loader:
        loss = nn.functional.cross_entropy(net(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
"""

STATED_IN_A_COMMENT = """\
# len(tabular_set) == 301
batches = DataLoader(tabular_set, batch_size=100)
mlp = nn.Sequential(nn.Linear(8, 16), nn.BatchNorm1d(16), nn.Tanh(), nn.Linear(16, 1))
for step, (inputs, target) in enumerate(batches):
    inputs = inputs.to(device)
    pred = mlp(inputs)
    loss = F.mse_loss(pred, target)
"""


@pytest.mark.parametrize("source, line", [(TENSOR_LOOP, 11), (STATED_IN_A_COMMENT, 6)])
def test_a_last_batch_of_one_into_a_batchnorm1d_model_fires(source, line):
    assert lines("batchnorm-last-batch-of-one", source) == [line]


@pytest.mark.parametrize("source", [
    TENSOR_LOOP.replace("shuffle=True", "shuffle=True, drop_last=True"),
    TENSOR_LOOP.replace("1025", "1024"),
    TENSOR_LOOP.replace("nn.BatchNorm1d(32)", "nn.LayerNorm(32)"),
    TENSOR_LOOP.replace("for epoch in range(3):", "net.eval()\nfor epoch in range(3):"),
    STATED_IN_A_COMMENT.replace("301", "300"),
    STATED_IN_A_COMMENT.replace("# len(tabular_set) == 301", "# len(other_set) == 301"),
])
def test_drop_last_a_dividing_size_or_no_batchnorm_is_quiet(source):
    assert lines("batchnorm-last-batch-of-one", source) == []


# ---- rnn-input-size-disagrees: an RNN's input_size against the layer before it or a declared input -------

DECLARED_FEATURES = """\
import torch.nn as nn
class Tagger(nn.Module):
    def __init__(self, n_feats=20, hidden=64):
        super().__init__()
        self.gru = nn.GRU(n_feats, hidden, batch_first=True)
    def forward(self, frames):  # frames: (batch, steps, 26) from the filterbank
        out, _ = self.gru(frames)
        return out
"""

EMBEDDED_TOKENS = """\
import torch.nn as nn
class Lm(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(5000, 300)
        self.rnn = nn.LSTM(256, 512, batch_first=True)
    def forward(self, ids):
        h = self.embed(ids)
        return self.rnn(h)[0]
"""

BOUND_WITH_A_COMMENT = """\
seq = load_sequence(path)   # [T, 1, 7]
lstm = nn.LSTM(input_size=5, hidden_size=16)
out, state = lstm(seq)
"""


@pytest.mark.parametrize("source, line", [(DECLARED_FEATURES, 7), (EMBEDDED_TOKENS, 9), (BOUND_WITH_A_COMMENT, 3)])
def test_an_rnn_given_other_features_than_its_input_size_fires(source, line):
    assert lines("rnn-input-size-disagrees", source) == [line]


@pytest.mark.parametrize("source", [
    DECLARED_FEATURES.replace("26)", "20)"),
    DECLARED_FEATURES.replace("(batch, steps, 26)", "(batch, steps, F)"),
    DECLARED_FEATURES + "model = Tagger(n_feats=26)\n",  # built in the paste with the declared width
    EMBEDDED_TOKENS.replace("nn.LSTM(256", "nn.LSTM(300"),
    BOUND_WITH_A_COMMENT.replace("[T, 1, 7]", "[T, 1, 5]"),
    BOUND_WITH_A_COMMENT.replace("   # [T, 1, 7]", ""),
])
def test_matching_widths_or_widths_left_open_are_quiet(source):
    assert lines("rnn-input-size-disagrees", source) == []


# ---- rnn-given-one-vector: an RNN called on a 1-D tensor ---------------------------------------------------

ONE_STEP = """\
import torch
import torch.nn as nn
cell = nn.LSTM(3, 8)
step = torch.tensor([0.5, 1.0, -2.0])
out, state = cell(step)
"""

STEP_DECLARED_IN_COMMENTS = """\
for t in range(len(readings)):
    reading = to_tensor(readings[t])   # [4]
    out, hidden = self.encoder(reading, hidden)   # nn.RNN(4, 16)
"""


@pytest.mark.parametrize("source, line", [
    (ONE_STEP, 5),
    (ONE_STEP.replace("torch.tensor([0.5, 1.0, -2.0])", "torch.randn(3)"), 5),
    (STEP_DECLARED_IN_COMMENTS, 3),
])
def test_an_rnn_given_a_vector_fires(source, line):
    assert lines("rnn-given-one-vector", source) == [line]


@pytest.mark.parametrize("source", [
    ONE_STEP.replace("torch.tensor([0.5, 1.0, -2.0])", "torch.tensor([[0.5, 1.0, -2.0]])"),
    ONE_STEP.replace("torch.tensor([0.5, 1.0, -2.0])", "torch.randn(5, 3)"),
    ONE_STEP.replace("nn.LSTM(3, 8)", "nn.Linear(3, 8)").replace("out, state = cell(step)", "out = cell(step)"),
    STEP_DECLARED_IN_COMMENTS.replace("# [4]", "# [1, 4]"),
    STEP_DECLARED_IN_COMMENTS.replace("# nn.RNN(4, 16)", "# nn.Linear(4, 16)"),
    # the code's own layer wins over a comment
    "class Enc(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
    "        self.encoder = nn.Linear(4, 16)\n    def run(self, readings, hidden):\n"
    + textwrap.indent(STEP_DECLARED_IN_COMMENTS, " " * 8),
])
def test_a_batched_input_or_another_layer_is_quiet(source):
    assert lines("rnn-given-one-vector", source) == []


MODEL_OPENING_WITH_AN_RNN = """\
import torch
import torch.nn as nn
class Forecaster(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(1, 32)
        self.out = nn.Linear(32, 1)
    def forward(self, series):
        states, _ = self.lstm(series)
        return self.out(states[-1])
net = Forecaster()
past, future = values[:-7], values[-7:]   # past: [93]
guess = net(past)
"""


def test_a_model_whose_forward_opens_with_an_rnn_given_a_vector_fires():
    assert lines("rnn-given-one-vector", MODEL_OPENING_WITH_AN_RNN) == [13]
    assert lines("rnn-given-one-vector", MODEL_OPENING_WITH_AN_RNN.replace("past: [93]", "past: [93, 1]")) == []


# ---- the abstract run: a declared result the code hands to numpy is an ndarray ----------------------------


def test_a_declared_array_goes_through_numpy_and_from_numpy(run):
    from assistant.repair.abstract_run import run_abstractly

    cell = ("frame = cv2.imread(path).mean(axis=2)   # (240, 320)\n"
            "x = torch.from_numpy(np.sqrt(frame)).float()\n"
            "y = torch.nn.Conv2d(1, 8, 3)(x)\n")
    raised = run_abstractly(cell, run).raised
    assert raised.line == 3 and "but got input of size: [240, 320]" in raised.message
    assert run_abstractly(cell.replace("(x)", "(x[None, None])"), run).raised is None
