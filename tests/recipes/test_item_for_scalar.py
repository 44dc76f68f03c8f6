from tests.recipes.kbfix import patch
from assistant.repair.recipes import item_for_scalar as recipe

LEGACY_LOOP = '''\
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
data = TensorDataset(torch.randn(48, 6), torch.randint(0, 3, (48,)))
loader = DataLoader(data, batch_size=16)
net = nn.Linear(6, 3)
criterion = nn.CrossEntropyLoss()
history = []

running_loss = 0.0
for inputs, labels in loader:
    loss = criterion(net(inputs), labels)
    loss.backward()
    history.append(loss.detach())
    running_loss += loss.data[0]
print("epoch loss %.3f" % (running_loss / len(loader)))
'''

# The running total is a plain number: the sum of the batch losses, with no graph kept.
A_PLAIN_SUM = '''
assert isinstance(running_loss, float)
assert abs(running_loss - sum(h.item() for h in history)) < 1e-5
'''

ACCURACY = '''\
import torch

logits = torch.randn(20, 4)
labels = logits.argmax(1)
labels[:5] = (labels[:5] + 1) % 4
correct = (logits.argmax(1) == labels).sum()
accuracy = correct[0] / labels.size(0)
assert accuracy == 0.75
'''

ROUNDED_LOG = '''\
import torch
import torch.nn.functional as F

pred, target = torch.zeros(4), torch.ones(4)
loss = F.mse_loss(pred, target)
print("loss:", round(loss, 4))
'''


def test_the_legacy_data_index_reads_the_number(sandbox):
    patched = patch(recipe, LEGACY_LOOP, sandbox.facts(LEGACY_LOOP, "IndexError"))
    assert "    running_loss += loss.item()\n" in patched
    sandbox.assert_clean(patched + A_PLAIN_SUM)


def test_a_count_is_read_with_item(sandbox):
    patched = patch(recipe, ACCURACY, sandbox.facts(ACCURACY, "IndexError"))
    assert "accuracy = correct.item() / labels.size(0)\n" in patched
    sandbox.assert_clean(patched)


def test_round_gets_the_number(sandbox):
    patched = patch(recipe, ROUNDED_LOG, sandbox.facts(ROUNDED_LOG, "TypeError"))
    assert 'print("loss:", round(loss.item(), 4))\n' in patched
    sandbox.assert_clean(patched)
