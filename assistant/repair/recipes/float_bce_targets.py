"""Binary cross-entropy compares probabilities (or logits) with targets element by element, so the
targets must be floats of the input's dtype. Labels built as integers (`(x > 0).long()`, a class
column, `torch.randint`) are refused. Converting the target at the loss call with `.float()`
changes no value: 0 and 1 stay 0.0 and 1.0.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem
from assistant.repair.recipes._edit import Edits, Script
from assistant.repair.recipes._losses import loss_calls, target

name = "float-bce-targets"
FUNCTIONS = ("binary_cross_entropy", "binary_cross_entropy_with_logits")
MODULES = ("BCELoss", "BCEWithLogitsLoss")
_INTEGERS = ("long", "int", "short", "byte", "bool")


def match(problem: Problem) -> list[cst.Arg] | None:
    """The targets of the binary cross-entropy call that failed, else of every one."""
    losses = loss_calls(problem.script, problem.facts.user_lines, FUNCTIONS, MODULES)
    return [found for found in map(target, losses) if found is not None] or None


def apply(problem: Problem, targets: list[cst.Arg]) -> Edits:
    edits = problem.edits()
    for arg in targets:
        edits.replace(arg.value, _as_float(problem.script, arg.value))
    return edits


def _as_float(script: Script, value: cst.BaseExpression) -> cst.BaseExpression:
    """`y.long()` becomes `y.float()`; anything else gets `.float()` appended."""
    if (isinstance(value, cst.Call) and not value.args and isinstance(value.func, cst.Attribute)
            and value.func.attr.value in _INTEGERS):
        return value.with_changes(func=value.func.with_changes(attr=cst.Name("float")))
    return script.with_method(value, "float()")
