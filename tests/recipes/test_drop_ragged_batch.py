from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import drop_ragged_batch as recipe

STATEFUL = '''\
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
data = TensorDataset(torch.randn(10, 6, 2), torch.randn(10, 6, 1))
loader = DataLoader(data, batch_size=4)
rnn = nn.GRU(2, 8, batch_first=True)
proj = nn.Linear(8, 1)
opt = torch.optim.SGD(list(rnn.parameters()) + list(proj.parameters()), lr=0.1)
hidden = torch.zeros(1, 4, 8)
batches = 0
for epoch in range(2):
    for xb, yb in loader:
        out, hidden = rnn(xb, hidden.detach())
        loss = ((proj(out) - yb) ** 2).mean()
        opt.zero_grad(); loss.backward(); opt.step()
        batches += 1
'''

MESSAGE = "Expected hidden size (1, 2, 8), got [1, 4, 8]"


def test_the_loader_drops_the_short_batch_the_carried_state_cannot_take(sandbox):
    patched = patch(recipe, STATEFUL, sandbox.facts(STATEFUL, "RuntimeError"))
    assert "loader = DataLoader(data, batch_size=4, drop_last=True)\n" in patched
    # two full batches of the ten sequences per epoch, the state kept at four sequences throughout
    sandbox.assert_clean(patched + "assert batches == 4 and hidden.shape == (1, 4, 8)\n")


def test_a_state_built_for_each_batch_is_not_this_fix():
    fresh = STATEFUL.replace("rnn(xb, hidden.detach())", "rnn(xb, torch.zeros(1, 4, 8))")
    assert not applies(recipe, fresh, Facts("RuntimeError", MESSAGE, line=15, lines=(15,)))


def test_a_state_of_another_batch_size_than_the_loaders_is_not_this_fix():
    other = STATEFUL.replace("batch_size=4", "batch_size=5")
    assert not applies(recipe, other, Facts("RuntimeError", MESSAGE, line=15, lines=(15,)))
    assert applies(recipe, STATEFUL, Facts("RuntimeError", MESSAGE, line=15, lines=(15,)))


STATE_THROUGH_FORWARD = '''\
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
STREAMS, HIDDEN = 4, 12


class Smoother(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.LSTM(3, HIDDEN, batch_first=True)
        self.out = nn.Linear(HIDDEN, 3)

    def forward(self, chunk, carried):
        seq, carried = self.rnn(chunk, carried)
        return self.out(seq), carried


readings = torch.randn(14, 8, 3)
chunks = DataLoader(TensorDataset(readings[:, :-1], readings[:, 1:]), batch_size=STREAMS)
model = Smoother()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
memory = (torch.zeros(1, STREAMS, HIDDEN), torch.zeros(1, STREAMS, HIDDEN))
steps = 0
for chunk, target in chunks:
    memory = tuple(part.detach() for part in memory)
    pred, memory = model(chunk, memory)
    loss = nn.functional.mse_loss(pred, target)
    opt.zero_grad(); loss.backward(); opt.step()
    steps += 1
'''


def test_a_state_the_forward_takes_is_followed_to_the_loop_that_carries_it(sandbox):
    patched = patch(recipe, STATE_THROUGH_FORWARD, sandbox.facts(STATE_THROUGH_FORWARD, "RuntimeError"))
    assert "TensorDataset(readings[:, :-1], readings[:, 1:]), batch_size=STREAMS, drop_last=True)" in patched
    # three full chunks of four streams; the memory keeps its four streams throughout
    sandbox.assert_clean(patched + "assert steps == 3 and memory[0].shape == (1, STREAMS, HIDDEN)\n")
