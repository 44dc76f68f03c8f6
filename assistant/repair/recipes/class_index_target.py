"""CrossEntropyLoss and NLLLoss read a target with the input's shape as class probabilities (which
must be float) and one with the class axis dropped as class indices. A one-hot target is the
first by shape and an integer by dtype; a `[N, 1]` label column, or a mask that kept its channel
axis, is neither. Giving the loss the class indices it was designed for fixes all of them with
the same loss values: `argmax` over the class axis of a one-hot target, dropping the unit axis of
a label column or mask.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Facts, Problem
from assistant.repair.recipes._edit import Edits, Script, dotted, has_call
from assistant.repair.recipes._losses import loss_calls, target

name = "class-index-target"
FUNCTIONS = ("cross_entropy", "nll_loss")
MODULES = ("CrossEntropyLoss", "NLLLoss")


def match(problem: Problem) -> list[tuple[cst.Arg, str]] | None:
    """The target of the loss call that failed, with the conversion its shape calls for."""
    script, facts = problem.script, problem.facts
    losses = loss_calls(script, facts.user_lines, FUNCTIONS, MODULES)
    targets = [found for found in map(target, losses) if found is not None]
    return [(arg, conversion) for arg in targets if (conversion := _conversion(script, facts, arg.value))] or None


def apply(problem: Problem, targets: list[tuple[cst.Arg, str]]) -> Edits:
    edits = problem.edits()
    for arg, conversion in targets:
        edits.call_method(arg.value, conversion)
    return edits


def _conversion(script: Script, facts: Facts, value: cst.BaseExpression) -> str | None:
    """What the message says the target is, and hence how it becomes class indices:
    a one-hot [N, C] (class axis 1), a one-hot [N, T, C] or [N, H, W, C] (class axis last),
    a label column [N, 1] or a mask [N, 1, H, W] (a unit axis too many)."""
    message, one_hot = facts.message, _built_by_one_hot(script, value)
    if "target with class probabilities" in message:
        return "argmax(dim=1)"
    if "Expected target size" in message and "classes" in facts.values:  # got [N, T, C]
        return "argmax(dim=-1)"
    if "multi-target not supported" in message:
        return "argmax(dim=1)" if one_hot else "view(-1).long()"
    if "spatial targets" in message:
        return "argmax(dim=-1)" if one_hot and facts.values.get("d1") != "1" else "squeeze(1).long()"
    return None


def _built_by_one_hot(script: Script, value: cst.BaseExpression) -> bool:
    """The target expression, or what its name was assigned from, calls one_hot."""
    name = dotted(value)
    origin = script.bindings.get(name) if name else None
    return has_call(value, ("one_hot",)) or (origin is not None and has_call(origin, ("one_hot",)))
