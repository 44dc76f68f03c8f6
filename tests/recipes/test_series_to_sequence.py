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


def test_no_match_with_several_features_per_step():
    code = "import torch\nlstm = torch.nn.LSTM(4, 8)\nout, state = lstm(series)\n"
    facts = Facts("ValueError", "LSTM: Expected input to be 2D or 3D, got 1D instead", line=3, lines=(3,))
    assert not applies(recipe, code, facts)
