from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import batch_the_sample as recipe

SINGLE_SAMPLE = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)


class Classifier(nn.Module):
    def __init__(self, features=6, classes=3):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(features, 16), nn.ReLU(), nn.Linear(16, classes))

    def forward(self, x):
        return self.net(x)


X = torch.randn(128, 6)
y = (X[:, 0] > 0).long() + (X[:, 1] > 0).long()
model = Classifier()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for _ in range(20):
    opt.zero_grad()
    nn.functional.cross_entropy(model(X), y).backward()
    opt.step()

sample = X[7]
model.eval()
with torch.no_grad():
    logits = model(sample)
    probs = logits.softmax(dim=1)
    pred = probs.argmax(dim=1).item()
'''

# The prediction is the batched model's for that same sample.
SAME_PREDICTION = '''
assert logits.shape == (1, 3)
assert pred == model(X).argmax(dim=1)[7].item()
'''


def test_the_sample_gets_its_batch_axis_where_it_enters_the_model(sandbox):
    patched = patch(recipe, SINGLE_SAMPLE, sandbox.facts(SINGLE_SAMPLE, "IndexError"))
    assert "    logits = model(sample.unsqueeze(0))\n" in patched
    sandbox.assert_clean(patched + SAME_PREDICTION)


def test_a_model_call_on_the_failing_line_is_the_one():
    code = "import torch\nmodel = Net()\npred = model(x[0]).argmax(dim=1)\n"
    facts = Facts("IndexError", "Dimension out of range (expected to be in range of [-1, 0], but got 1)", line=3,
                  lines=(3,))
    assert patch(recipe, code, facts).endswith("pred = model(x[0].unsqueeze(0)).argmax(dim=1)\n")


def test_no_match_when_the_dim_is_more_than_one_past_the_rank():
    code = "import torch\nmodel = Net()\npred = model(x).argmax(dim=2)\n"
    facts = Facts("IndexError", "Dimension out of range (expected to be in range of [-1, 0], but got 2)", line=3,
                  lines=(3,))
    assert not applies(recipe, code, facts)


UNCERTAINTY_HEAD = '''\
import torch
import torch.nn as nn


class MeanAndVariance(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.body = nn.Linear(d, 2)

    def forward(self, x):
        out = self.body(x)
        mean, log_var = out.chunk(2, dim=1)
        return mean, log_var


torch.manual_seed(0)
model = MeanAndVariance(7)
query = torch.randn(7)
mu, log_var = model(query)
'''


def test_a_failure_inside_forward_batches_the_sample_where_it_enters(sandbox):
    patched = patch(recipe, UNCERTAINTY_HEAD, sandbox.facts(UNCERTAINTY_HEAD, "IndexError"))
    assert "mu, log_var = model(query.unsqueeze(0))" in patched
    assert "out = self.body(x)\n" in patched
    sandbox.assert_clean(patched + (
        "batch = torch.randn(5, 7)\n"
        "assert mu.shape == (1, 1) and model(batch)[0].shape == (5, 1)\n"
        "assert torch.allclose(mu[0], model(torch.stack([query, query]))[0][0])\n"))


BIDIRECTIONAL_STATE = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)
rnn = nn.LSTM(3, 4, batch_first=True, bidirectional=True)
fc = nn.Linear(8, 2)


def classify(seq):
    _, (h, c) = rnn(seq)
    both = torch.cat([h[0], h[1]], dim=1)
    return fc(both)


sequence = torch.randn(5, 3)
logits = classify(sequence)
'''


def test_a_state_unpacked_from_the_rnn_batches_the_rnn_input(sandbox):
    patched = patch(recipe, BIDIRECTIONAL_STATE, sandbox.facts(BIDIRECTIONAL_STATE, "IndexError"))
    assert "_, (h, c) = rnn(seq.unsqueeze(0))" in patched
    sandbox.assert_clean(patched + (
        "_, (state, _) = rnn(torch.stack([sequence, torch.randn(5, 3)]))\n"
        "assert logits.shape == (1, 2)\n"
        "assert torch.allclose(logits, fc(torch.cat([state[0], state[1]], dim=1))[:1], atol=1e-6)\n"))
