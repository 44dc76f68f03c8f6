from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import collect_then_concatenate as recipe

EVALUATION = '''\
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 3)).eval()
features, labels = torch.randn(50, 5), torch.randint(0, 3, (50,))
loader = DataLoader(TensorDataset(features, labels), batch_size=16)

predictions = torch.tensor([])
with torch.no_grad():
    for x, _ in loader:
        predictions.append(model(x).argmax(1))
accuracy = (predictions == labels).float().mean()
'''

# One prediction per sample, in loader order: the model's own argmax.
SAME_PREDICTIONS = '''
with torch.no_grad():
    assert torch.equal(predictions, model(features).argmax(1))
assert predictions.shape == (50,) and 0 <= accuracy.item() <= 1
'''

TRAINING = '''\
import argparse

import torch
import torch.nn as nn

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=5)
parser.add_argument("--lr", type=float, default=0.1)
args = parser.parse_args([])

torch.manual_seed(0)
model = nn.Linear(3, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)
x = torch.randn(40, 3)
y = x @ torch.tensor([[1.0], [-2.0], [0.5]])
history = torch.Tensor()
for epoch in range(args.epochs):
    loss = nn.functional.mse_loss(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    history.append(loss.item())
print("final", history[-1], "best", history.min())
'''


def test_batches_of_predictions_are_concatenated_after_the_loop(sandbox):
    patched = patch(recipe, EVALUATION, sandbox.facts(EVALUATION, "AttributeError"))
    assert "predictions = []\n" in patched
    assert ("        predictions.append(model(x).argmax(1))\npredictions = torch.cat(predictions)\n"
            "accuracy = ") in patched
    sandbox.assert_clean(patched + SAME_PREDICTIONS)


def test_losses_as_numbers_become_one_tensor(sandbox):
    patched = patch(recipe, TRAINING, sandbox.facts(TRAINING, "AttributeError"))
    assert "history = []\n" in patched and "    history.append(loss.item())\nhistory = torch.tensor(history)\n" in patched
    sandbox.assert_clean(patched + "assert history.shape == (5,) and history[-1] < history[0]\n")


def test_a_sized_buffer_is_not_turned_into_a_list():
    facts = Facts("AttributeError", "'Tensor' object has no attribute 'append'", line=4, lines=(4,))
    code = "import torch\nbuf = torch.zeros(5)\nfor i in range(5):\n    buf.append(i)\n"
    assert not applies(recipe, code, facts)
