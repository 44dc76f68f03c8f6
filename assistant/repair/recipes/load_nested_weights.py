"""A training checkpoint is usually a wrapper dict (`{"epoch": ..., "model_state_dict": ...,
"optimizer_state_dict": ...}`). Handing the whole wrapper to `load_state_dict` makes every weight
missing and every bookkeeping key unexpected. The load error lists the wrapper's keys, so the key
holding the weights is known: the recipe indexes the wrapper with it at the failing load, and the
load stays strict, so a wrong guess would still fail loudly.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem
from assistant.repair.recipes._edit import Edits, Script, expr, positional
from assistant.repair.recipes._state_dicts import WEIGHT_KEYS, failing_loads, listed_keys

name = "load-nested-weights"
_UNEXPECTED = "Unexpected key(s) in state_dict:"


def match(problem: Problem) -> tuple[str, list[cst.Call]] | None:
    """The one wrapper key that conventionally holds weights, and the failing load calls."""
    wrapper_keys = set(listed_keys(problem.facts.message, _UNEXPECTED))
    weights = [key for key in WEIGHT_KEYS if key in wrapper_keys]
    loads = failing_loads(problem.script, problem.facts.user_lines)
    return (weights[0], loads) if len(weights) == 1 and loads else None


def apply(problem: Problem, found: tuple[str, list[cst.Call]]) -> Edits:
    key, loads = found
    script, edits = problem.script, problem.edits()
    for call in loads:
        wrapper = positional(call)[0].value
        edits.replace(wrapper, expr(f'{script.code(_indexable(script, wrapper))}["{key}"]'))
    return edits


def _indexable(script: Script, wrapper: cst.BaseExpression) -> cst.BaseExpression:
    """The wrapper as it can be subscripted: `ckpt`, `torch.load(path)`, or `(a or b)` in parentheses."""
    if isinstance(wrapper, (cst.Name, cst.Attribute, cst.Call, cst.Subscript)):
        return wrapper
    return expr(f"({script.code(wrapper)})")
