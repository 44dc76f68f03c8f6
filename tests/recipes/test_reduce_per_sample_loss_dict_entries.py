"""reduce-per-sample-loss, widened: an elementwise error whose difference is held by a name
(`err = pred - y`, then `err ** 2`, `err.abs()`), and one read out of a metrics dict by its key.
The situation in other shapes than an evaluate() helper returning {"mse": ..., "mae": ...}:
- a dict literal built in the same function, its entry logged with `.item()`;
- a helper's dict entry turned into a number with `float()`;
- the entry read into a name first (`rmse = stats["rmse"]`) whose per-target values are used too.
The mean of a per-target mean over the samples is the mean over all values, the number the
names (mse, mae) stand for. Look-alikes left alone: an accuracy entry, a model-output entry,
another key than the one the error is under.
"""

from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import reduce_per_sample_loss as recipe

INLINE_DICT = '''\
import torch

torch.manual_seed(3)
pred, target = torch.randn(50, 4), torch.randn(50, 4)


def summarise(pred, target):
    gap = pred - target
    scores = {"sq_err": (gap ** 2).mean(dim=0), "n": len(pred)}
    logged = {"sq_err": scores["sq_err"].item(), "n": scores["n"]}
    return logged, scores


logged, scores = summarise(pred, target)
'''

OVERALL_MEAN = '''
assert abs(logged["sq_err"] - ((pred - target) ** 2).mean().item()) < 1e-6
assert scores["sq_err"].shape == (4,)
'''


def test_an_entry_of_a_dict_built_here_is_logged_as_its_mean(sandbox):
    patched = patch(recipe, INLINE_DICT, sandbox.facts(INLINE_DICT, "RuntimeError"))
    assert 'scores["sq_err"].mean().item()' in patched
    sandbox.assert_clean(patched + OVERALL_MEAN)


HELPER_FLOAT = '''\
import torch
import torch.nn as nn

torch.manual_seed(5)
model = nn.Linear(6, 2)
x, y = torch.randn(40, 6), torch.randn(40, 2)


def validate(model, x, y):
    with torch.no_grad():
        residual = model(x) - y
    return {"mae": residual.abs().mean(0), "count": x.size(0)}


stats = validate(model, x, y)
summary = "mae=%.4f" % float(stats["mae"])
'''

MAE_OF_ALL = '''
with torch.no_grad():
    expected = (model(x) - y).abs().mean().item()
assert summary == "mae=%.4f" % expected
'''


def test_a_helpers_dict_entry_given_to_float_is_its_mean(sandbox):
    patched = patch(recipe, HELPER_FLOAT, sandbox.facts(HELPER_FLOAT, "ValueError"))
    assert 'float(stats["mae"].mean())' in patched
    sandbox.assert_clean(patched + MAE_OF_ALL)


ENTRY_IN_A_NAME = '''\
import torch

torch.manual_seed(7)
forecast, actual = torch.randn(30, 3), torch.randn(30, 3)


def errors(forecast, actual):
    miss = forecast - actual
    return {"sq": (miss ** 2).mean(dim=0)}


per_horizon = errors(forecast, actual)["sq"].tolist()
sq = errors(forecast, actual)["sq"]
report = {"sq": sq.item(), "per_horizon": per_horizon}
'''


def test_an_entry_read_into_a_name_is_reduced_where_it_is_logged(sandbox):
    patched = patch(recipe, ENTRY_IN_A_NAME, sandbox.facts(ENTRY_IN_A_NAME, "RuntimeError"))
    assert '"sq": sq.mean().item()' in patched or 'sq = errors(forecast, actual)["sq"].mean()' in patched
    sandbox.assert_clean(patched + '''
assert abs(report["sq"] - ((forecast - actual) ** 2).mean().item()) < 1e-6
assert len(report["per_horizon"]) == 3
''')


def multi(line: int) -> Facts:
    return Facts("RuntimeError", "a Tensor with 3 elements cannot be converted to Scalar", line=line, lines=(line,))


LOOK_ALIKES = '''\
import torch


def check(model, x, y):
    out = model(x)
    err = out - y
    return {"acc": (out.argmax(1) == y).float().mean(0), "out": out, "mse": (err ** 2).mean(0)}


metrics = check(model, x, y)
value = metrics["KEY"].item()
'''


def test_entries_that_are_not_errors_are_left_alone():
    assert applies(recipe, LOOK_ALIKES.replace("KEY", "mse"), multi(11))
    assert not applies(recipe, LOOK_ALIKES.replace("KEY", "acc"), multi(11)), "an accuracy"
    assert not applies(recipe, LOOK_ALIKES.replace("KEY", "out"), multi(11)), "a model output"
    assert not applies(recipe, LOOK_ALIKES.replace("KEY", "loss"), multi(11)), "a key the dict lacks"


def test_a_name_not_bound_to_a_difference_is_no_error():
    code = "import torch\nerr = pred * y\nvalue = (err ** 2).mean(0).item()\n"
    assert not applies(recipe, code, multi(3))
    assert applies(recipe, code.replace("pred * y", "pred - y"), multi(3))
