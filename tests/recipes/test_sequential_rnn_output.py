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
