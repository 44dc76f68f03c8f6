from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import drop_target_argument as recipe

LABELS_INTO_SEQUENTIAL = '''\
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
data = TensorDataset(torch.randn(40, 6), torch.randint(0, 3, (40,)))
loader = DataLoader(data, batch_size=8, shuffle=True)
model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 3))
criterion = nn.CrossEntropyLoss()
opt = torch.optim.SGD(model.parameters(), lr=0.1)


def train_step(features, labels):
    logits = model(features, labels)
    loss = criterion(logits, labels)
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss.item()


losses = [train_step(x, y) for x, y in loader]
assert len(losses) == 5
'''


def test_drops_the_labels_the_loss_is_computed_against(sandbox):
    patched = patch(recipe, LABELS_INTO_SEQUENTIAL, sandbox.facts(LABELS_INTO_SEQUENTIAL, "TypeError"))
    assert "    logits = model(features)\n    loss = criterion(logits, labels)\n" in patched
    sandbox.assert_clean(patched)


def test_no_match_when_the_extra_input_is_not_a_target():
    message = "forward() takes 2 positional arguments but 3 were given"
    source = ("import torch.nn as nn\nenc = nn.Sequential(nn.Linear(4, 4))\nout = enc(x, mask)\n"
              "loss = nn.functional.mse_loss(out, y)\n")
    assert not applies(recipe, source, Facts("TypeError", message, line=3, lines=(3,)))
