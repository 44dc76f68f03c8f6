"""CrossEntropyLoss and NLLLoss take class indices as targets, a Long tensor of shape [N]. Labels
that were built as floats (from NumPy, a CSV, a regression-style pipeline) are refused. Converting
the target at the loss call with `.long()` keeps everything else as it is.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem
from assistant.repair.recipes._edit import Edits, Script, callee, keyword, kind_of, positional

name = "long-targets"
FUNCTIONS = ("cross_entropy", "nll_loss")
MODULES = ("CrossEntropyLoss", "NLLLoss")
_FLOATS = ("float", "double", "half")


def match(problem: Problem) -> list[cst.Arg] | None:
    """The target arguments of the loss call on the failing line, else of every loss call."""
    script = problem.script
    losses = script.at_failure([call for call in script.calls() if _is_loss(script, call)], problem.facts.user_lines)
    targets = [keyword(call, "target") or (positional(call)[1:2] or [None])[0] for call in losses]
    return [target for target in targets if target is not None] or None


def apply(problem: Problem, targets: list[cst.Arg]) -> Edits:
    edits = problem.edits()
    for target in targets:
        edits.replace(target.value, _as_long(problem.script, target.value))
    return edits


def _is_loss(script: Script, call: cst.Call) -> bool:
    target = callee(call)
    return kind_of(call) in FUNCTIONS or (target is not None and script.built_from(target, MODULES) is not None)


def _as_long(script: Script, value: cst.BaseExpression) -> cst.BaseExpression:
    """`y.float()` becomes `y.long()`; anything else gets `.long()` appended."""
    if (isinstance(value, cst.Call) and not value.args and isinstance(value.func, cst.Attribute)
            and value.func.attr.value in _FLOATS):
        return value.with_changes(func=value.func.with_changes(attr=cst.Name("long")))
    return script.with_method(value, "long()")
