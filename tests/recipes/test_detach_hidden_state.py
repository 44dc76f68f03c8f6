from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import detach_hidden_state as recipe

WORD_LM = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)

class WordLM(nn.Module):
    def __init__(self, vocab=50, hidden=32):
        super().__init__()
        self.embed = nn.Embedding(vocab, hidden)
        self.lstm = nn.LSTM(hidden, hidden, num_layers=2)
        self.decoder = nn.Linear(hidden, vocab)

    def init_hidden(self, batch):
        return (torch.zeros(2, batch, 32), torch.zeros(2, batch, 32))

    def forward(self, x, hidden):
        out, hidden = self.lstm(self.embed(x), hidden)
        return self.decoder(out), hidden

model = WordLM()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
corpus = torch.randint(0, 50, (60, 3))
hidden = model.init_hidden(3)
for i in range(0, 50, 10):
    inputs, targets = corpus[i:i + 10], corpus[i + 1:i + 11]
    output, hidden = model(inputs, hidden)
    loss = nn.functional.cross_entropy(output.view(-1, 50), targets.reshape(-1))
    opt.zero_grad()
    loss.backward()
    opt.step()
'''


def test_detaches_the_carried_lstm_state_in_the_loop(sandbox):
    patched = patch(recipe, WORD_LM, sandbox.facts(WORD_LM, "RuntimeError"))
    assert ("    hidden = tuple(s.detach() for s in hidden)\n    output, hidden = model(inputs, hidden)\n") in patched
    sandbox.assert_clean(patched)


def test_gru_cell_state_starting_as_none(sandbox):
    broken = ("import torch\nfrom torch import nn\ncell = nn.GRU(2, 4)\nh = None\n"
              "for _ in range(3):\n    y, h = cell(torch.randn(5, 1, 2), h)\n    y.sum().backward()\n")
    patched = patch(recipe, broken, sandbox.facts(broken, "RuntimeError"))
    assert "    if h is not None:\n        h = h.detach()\n    y, h = cell(torch.randn(5, 1, 2), h)\n" in patched
    sandbox.assert_clean(patched)


def test_data_carried_through_layers_is_not_a_hidden_state():
    code = "for layer in layers:\n    x = layer(x)\n"
    assert not applies(recipe, code, Facts("RuntimeError", "Trying to backward through the graph a "
                                                                           "second time"))
