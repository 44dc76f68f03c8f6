from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import tensor_truth_value as recipe

BATCH_ACCURACY = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)
model = nn.Linear(4, 3)
loader = [(torch.randn(8, 4), torch.randint(0, 3, (8,))) for _ in range(5)]


def evaluate(model, loader):
    correct, total = 0, 0
    with torch.no_grad():
        for x, y in loader:
            pred = model(x).argmax(dim=1)
            if pred == y:
                correct += 1
            total += y.numel()
    return correct / total


acc = evaluate(model, loader)
expected = sum((model(x).argmax(1) == y).sum().item() for x, y in loader) / 40
assert isinstance(acc, float) and abs(acc - expected) < 1e-9
'''

OPTIONAL_MASK = '''\
import torch
import torch.nn as nn


class MaskedMean(nn.Module):
    def forward(self, x, mask=None):
        if mask:
            x = x * mask.unsqueeze(-1)
            return x.sum(1) / mask.sum(1, keepdim=True)
        return x.mean(1)


pool = MaskedMean()
x = torch.ones(2, 3, 4)
mask = torch.tensor([[1.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
assert pool(x).shape == (2, 4)
assert torch.allclose(pool(x, mask), torch.ones(2, 4))
'''

CLIPPED_MAX = '''\
import torch

lower = torch.zeros(5)
scores = torch.tensor([-1.0, 2.0, -3.0, 4.0, 0.5])
clipped = max(scores, lower)
assert torch.equal(clipped, torch.tensor([0.0, 2.0, 0.0, 4.0, 0.5]))
'''

BOX_FILTER = '''\
import torch

boxes = torch.tensor([[0.0, 0.0, 4.0, 4.0], [1.0, 1.0, 1.5, 9.0], [2.0, 2.0, 8.0, 5.0]])
w, h = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
keep = w > 1 and h > 1
assert boxes[keep].shape == (2, 4)
'''


def test_counting_matches_of_a_batch(sandbox):
    patched = patch(recipe, BATCH_ACCURACY, sandbox.facts(BATCH_ACCURACY, "RuntimeError"))
    assert "            correct += (pred == y).sum().item()\n            total += y.numel()\n" in patched
    sandbox.assert_clean(patched)


def test_optional_tensor_is_tested_against_none(sandbox):
    patched = patch(recipe, OPTIONAL_MASK, sandbox.facts(OPTIONAL_MASK, "RuntimeError"))
    assert "        if mask is not None:\n" in patched
    sandbox.assert_clean(patched)


def test_builtin_max_of_two_tensors_is_elementwise(sandbox):
    patched = patch(recipe, CLIPPED_MAX, sandbox.facts(CLIPPED_MAX, "RuntimeError"))
    assert "clipped = torch.maximum(scores, lower)" in patched
    sandbox.assert_clean(patched)


def test_and_of_two_masks_is_elementwise(sandbox):
    patched = patch(recipe, BOX_FILTER, sandbox.facts(BOX_FILTER, "RuntimeError"))
    assert "keep = (w > 1) & (h > 1)" in patched
    sandbox.assert_clean(patched)


def test_no_match_for_a_condition_that_needs_all_or_any():
    message = "Boolean value of Tensor with more than one value is ambiguous"
    source = "import torch\nloss = torch.ones(3)\nwhile loss > 0.1:\n    loss = loss / 2\n"
    assert not applies(recipe, source, Facts("RuntimeError", message, line=3, lines=(3,)))
