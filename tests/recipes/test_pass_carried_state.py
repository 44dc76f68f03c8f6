"""pass-carried-state: a recurrent module called without the state its caller carries. Other
shapes than the dev script's (a GRU char model sampling after a prompt): an LSTM with an (h, c)
state built by `init_state` before a step loop; a GRU streamed chunk by chunk inside a helper
method whose name for the state (`carry`) is not forward's (`hidden`). Both must equal running the
whole sequence at once. Look-alikes it must leave alone: the first call of a sequence (no state
yet: optional-rnn-state's case), and a position of the output that is not the state."""

from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import optional_rnn_state
from assistant.repair.recipes import pass_carried_state as recipe

LSTM_STEPS = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)


class Stepper(nn.Module):
    def __init__(self, features=3, hidden=8):
        super().__init__()
        self.hidden = hidden
        self.lstm = nn.LSTM(features, hidden, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def init_state(self, batch):
        return torch.zeros(1, batch, self.hidden), torch.zeros(1, batch, self.hidden)

    def forward(self, x, state):
        out, state = self.lstm(x, state)
        return self.head(out), state


model = Stepper()
series = torch.randn(2, 6, 3)
state = model.init_state(2)
steps = []
for t in range(series.size(1)):
    y, state = model(series[:, t:t + 1])
    steps.append(y)
stepwise = torch.cat(steps, dim=1)
'''

STREAMED_GRU = '''\
import torch
import torch.nn as nn

torch.manual_seed(1)


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(4, 8, batch_first=True)

    def forward(self, chunk, hidden):
        out, hidden = self.gru(chunk, hidden)
        return out, hidden


class Streamer:
    def __init__(self, encoder):
        self.encoder = encoder

    def run(self, stream, chunk_size):
        outputs = []
        carry = torch.zeros(1, stream.size(0), 8)
        for start in range(0, stream.size(1), chunk_size):
            out, carry = encoder(stream[:, start:start + chunk_size])
            outputs.append(out)
        return torch.cat(outputs, dim=1)


encoder = Encoder()
stream = torch.randn(3, 12, 4)
streamed = Streamer(encoder).run(stream, 4)
'''


def test_an_lstm_step_loop_passes_its_state(sandbox):
    patched = patch(recipe, LSTM_STEPS, sandbox.facts(LSTM_STEPS, "TypeError"))
    assert "    y, state = model(series[:, t:t + 1], state)\n" in patched
    assert "def forward(self, x, state):\n" in patched
    whole = "assert torch.allclose(stepwise, model(series, model.init_state(2))[0], atol=1e-6)\n"
    sandbox.assert_clean(patched + whole)


def test_a_stream_passes_the_callers_own_name_for_the_state(sandbox):
    patched = patch(recipe, STREAMED_GRU, sandbox.facts(STREAMED_GRU, "TypeError"))
    assert "            out, carry = encoder(stream[:, start:start + chunk_size], carry)\n" in patched
    sandbox.assert_clean(patched + "assert torch.allclose(streamed, encoder(stream, torch.zeros(1, 3, 8))[0], atol=1e-6)\n")


def test_optional_rnn_state_does_not_default_a_carried_state(sandbox):
    assert not applies(optional_rnn_state, LSTM_STEPS, sandbox.facts(LSTM_STEPS, "TypeError"))


def test_the_first_call_of_a_sequence_is_left_alone(sandbox):
    first = LSTM_STEPS.replace("state = model.init_state(2)\n", "")
    assert not applies(recipe, first, sandbox.facts(first, "TypeError"))
    assert applies(optional_rnn_state, first, sandbox.facts(first, "TypeError"))


def test_an_output_that_is_not_the_state_is_left_alone(sandbox):
    other_output = STREAMED_GRU.replace("        return out, hidden\n", "        return hidden, out\n")
    assert not applies(recipe, other_output, sandbox.facts(other_output, "TypeError"))
