"""CrossEntropyLoss and NLLLoss take class indices as targets, a Long tensor of shape [N]. Labels
that were built as floats (from NumPy, a CSV, a regression-style pipeline) are refused. Converting
the target at the loss call with `.long()` keeps everything else as it is.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Facts
from assistant.repair.recipes._edit import Script, callee, find_facts, has_call, keyword, kind_of, positional

name = "long-targets"
PATTERNS = (
    "expected target dtype to be Long or Byte, but got {dtype}",
    "expected scalar type Long but found {dtype}",
    "Expected object of scalar type Long but got scalar type {dtype} for argument {*} 'target'",
    "\"nll_loss{*}\" not implemented for '{dtype}'",
)
FUNCTIONS = ("cross_entropy", "nll_loss")
MODULES = ("CrossEntropyLoss", "NLLLoss")
_FLOATS = ("float", "double", "half")


def match(tree: cst.Module, facts: Facts) -> bool:
    return find_facts(facts.message, PATTERNS) is not None and has_call(tree, FUNCTIONS + MODULES)


def apply(source: str, facts: Facts) -> str | None:
    script = Script(source)
    for call in _loss_calls(script, facts):
        target = keyword(call, "target") or (positional(call)[1:2] or [None])[0]
        if target is not None:
            script.replace(target.value, _as_long(script, target.value))
    return script.result()


def _loss_calls(script: Script, facts: Facts) -> list[cst.Call]:
    """The loss call on the innermost failing line that has one, else every loss call."""
    losses = [call for call in script.calls() if _is_loss(script, call)]
    for line in facts.innermost_first:
        if on_line := [call for call in losses if script.span(call)[0] <= line <= script.span(call)[1]]:
            return on_line
    return losses


def _is_loss(script: Script, call: cst.Call) -> bool:
    target = callee(call)
    return kind_of(call) in FUNCTIONS or (target is not None and script.built_from(target, MODULES) is not None)


def _as_long(script: Script, value: cst.BaseExpression) -> cst.BaseExpression:
    """`y.float()` becomes `y.long()`; anything else gets `.long()` appended."""
    if (isinstance(value, cst.Call) and not value.args and isinstance(value.func, cst.Attribute)
            and value.func.attr.value in _FLOATS):
        return value.with_changes(func=value.func.with_changes(attr=cst.Name("long")))
    return script.with_method(value, "long()")
