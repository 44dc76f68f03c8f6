from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import values_per_item as recipe

PER_BUCKET_MEANS = '''\
import torch

torch.manual_seed(0)
BUCKETS = ["short", "medium", "long"]
lengths = torch.randint(0, 3, (50,))
errors = torch.rand(50)


def bucket_error(bucket_ids, values, n):
    totals = torch.bincount(bucket_ids, weights=values, minlength=n)
    sizes = torch.bincount(bucket_ids, minlength=n).clamp(min=1).float()
    return torch.mean(totals / sizes)


means = bucket_error(lengths, errors, len(BUCKETS))
table = {}
for label, value in zip(BUCKETS, means):
    table[label] = value.item()
'''

EACH_BUCKET_MEAN = '''
for i, label in enumerate(BUCKETS):
    assert abs(table[label] - errors[lengths == i].mean().item()) < 1e-6
'''


def iterated_scalar(line: int) -> Facts:
    return Facts("TypeError", "iteration over a 0-d tensor", line=line, lines=(line,))


def test_a_helper_returns_the_values_its_caller_iterates(sandbox):
    patched = patch(recipe, PER_BUCKET_MEANS, sandbox.facts(PER_BUCKET_MEANS, "TypeError"))
    assert "    return totals / sizes\n" in patched
    sandbox.assert_clean(patched + EACH_BUCKET_MEAN)


def test_a_reduced_range_looped_over_directly(sandbox):
    source = ("import torch\ndef steps(n):\n    return (torch.arange(n) * 0.5).sum()\n"
              "seen = []\nvalues = steps(4)\nfor s in values:\n    seen.append(float(s))\n")
    patched = patch(recipe, source, sandbox.facts(source, "TypeError"))
    assert "    return torch.arange(n) * 0.5\n" in patched
    sandbox.assert_clean(patched + "assert seen == [0.0, 0.5, 1.0, 1.5]\n")


def test_no_match_for_a_reduction_of_unknown_rank():
    source = ("import torch\ndef score(a, b):\n    return (a == b).float().mean()\n"
              "acc = score(p, y)\nfor v in acc:\n    print(v)\n")
    assert not applies(recipe, source, iterated_scalar(5))


def test_no_match_when_another_caller_wants_the_one_number():
    source = ("import torch\ndef total(n):\n    return torch.bincount(n).sum()\n"
              "print(total(ids))\nvalues = total(ids)\nfor v in values:\n    print(v)\n")
    assert not applies(recipe, source, iterated_scalar(6))


ERROR_PER_REGION = '''\
import torch
from torch import nn

REGIONS = ["north", "south", "east"]


def region_errors(model, features, region, target):
    """Summed absolute error and number of houses per region, for one batch."""
    member = torch.eye(len(REGIONS))[region]
    error = (model(features).squeeze(1) - target).abs()
    return (error[:, None] * member).sum(), member.sum(dim=0)


torch.manual_seed(0)
model = nn.Linear(4, 1)
total_error, houses = 0.0, 0.0
with torch.no_grad():
    for _ in range(3):
        features, region, target = torch.randn(10, 4), torch.randint(0, 3, (10,)), torch.randn(10)
        batch_error, batch_houses = region_errors(model, features, region, target)
        total_error += batch_error
        houses += batch_houses
report = {name: (e / n).item() for name, e, n in zip(REGIONS, total_error, houses)}
'''


def test_a_full_reduction_beside_its_per_class_twin_keeps_the_twin_s_axis(sandbox):
    patched = patch(recipe, ERROR_PER_REGION, sandbox.facts(ERROR_PER_REGION, "TypeError"))
    assert "    return (error[:, None] * member).sum(dim=0), member.sum(dim=0)\n" in patched
    sandbox.assert_clean(patched + "assert sorted(report) == sorted(REGIONS) and houses.sum().item() == 30\n"
                                   "assert all(value > 0 for value in report.values())\n")


def test_a_full_reduction_beside_a_twin_of_another_tensor_is_left_alone():
    facts = Facts("TypeError", "iteration over a 0-d tensor", line=23, lines=(23,))
    other = ERROR_PER_REGION.replace("member.sum(dim=0)\n", "torch.ones_like(member).sum(dim=0)\n")
    assert not applies(recipe, other, facts)
