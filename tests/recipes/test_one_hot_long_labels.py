from tests.recipes.kbfix import patch
from assistant.repair.recipes import one_hot_long_labels as recipe

CSV_LABELS = '''\
import numpy as np
import torch
import torch.nn.functional as F

table = np.array([[0.1, 0.5, 2.0], [0.3, 0.2, 0.0], [0.9, 0.4, 1.0]])   # last column: class
features = torch.from_numpy(table[:, :2]).float()
classes = torch.from_numpy(table[:, 2])
targets = F.one_hot(classes, num_classes=3).float()
soft_loss = -(targets * F.log_softmax(features @ torch.ones(2, 3), dim=1)).sum(1).mean()
'''

# Each row's one-hot marks the class its CSV row names.
MARKS_THE_ROW_CLASS = '''
assert torch.equal(targets.argmax(1), torch.tensor([2, 0, 1]))
assert targets.sum().item() == 3
'''

INT32_MASK = '''\
import torch
import torch.nn.functional as F

mask = torch.randint(0, 4, (2, 8, 8), dtype=torch.int32)
channels = F.one_hot(mask.int(), 4).permute(0, 3, 1, 2)
assert channels.shape == (2, 4, 8, 8)
'''


def test_float_labels_are_one_hot_encoded_as_indices(sandbox):
    patched = patch(recipe, CSV_LABELS, sandbox.facts(CSV_LABELS, "RuntimeError"))
    assert "targets = F.one_hot(classes.long(), num_classes=3).float()\n" in patched
    sandbox.assert_clean(patched + MARKS_THE_ROW_CLASS)


def test_a_conversion_written_at_the_call_becomes_long(sandbox):
    patched = patch(recipe, INT32_MASK, sandbox.facts(INT32_MASK, "RuntimeError"))
    assert "channels = F.one_hot(mask.long(), 4).permute(0, 3, 1, 2)\n" in patched
    sandbox.assert_clean(patched)
