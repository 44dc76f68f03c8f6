"""Class labels numbered from 1 (ratings 1..5, class ids from a CSV) reach `C` with `C` classes:
the loss says `Target C is out of bounds`, `one_hot` that class values must be smaller than
num_classes. The entry's fix is to make the labels 0-based with `labels - 1`. The recipe shifts
them where they are made, so that the loss, the metrics and everything else see the same labels:
at the assignment that built them, at the top of the loop that unpacks them from a DataLoader, or
else at the call. A label below 0, or the void value 255, is not a numbering problem (see
ignore-label); a run with 0 among the labels fails again and proves nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._definitions import assignment, loop_binding
from assistant.repair.recipes._edit import Edits, Script, dotted, expr, keyword, kind_of, positional, statement
from assistant.repair.recipes._losses import loss_calls, target

name = "zero-based-labels"
FUNCTIONS = ("cross_entropy", "nll_loss")
MODULES = ("CrossEntropyLoss", "NLLLoss")
VOID = 255  # the "ignore this pixel" value of segmentation masks (Pascal VOC, Cityscapes)
_ATOMS = (cst.Name, cst.Attribute, cst.Call, cst.Subscript)
NOT_INDICES = "only applicable to index tensor"  # float or int32 labels (one-hot-long-labels)


@dataclass(frozen=True)
class Shift:
    """Where to subtract one: a value (the labels' assignment, or the call's argument), or a
    `for` loop to rebind the labels' name in, first thing in its body."""

    node: cst.CSTNode
    rebind: str | None = None


@needs_failing_line
def match(problem: Problem) -> list[Shift] | None:
    """Where the labels of the failing loss or one_hot call are to be shifted."""
    message = problem.facts.message
    if "non-negative" in message or NOT_INDICES in message:  # padding below 0, or a dtype: no numbering
        return None
    label = problem.facts.values.get("target")
    if label is not None and (not label.lstrip("-").isdigit() or int(label) < 0 or int(label) == VOID):
        return None
    script = problem.script
    one_hots = [call for call in script.calls() if kind_of(call) == "one_hot" and positional(call)]
    losses = loss_calls(script, problem.facts.user_lines, FUNCTIONS, MODULES)
    failing = script.at_failure([*losses, *one_hots], problem.facts.user_lines)
    labels = [positional(call)[0] if kind_of(call) == "one_hot" else target(call) for call in failing]
    shifts = list(dict.fromkeys(_shift(script, arg.value) for arg in labels if arg is not None))
    return shifts if shifts and not any(_drawn_from_zero(shift.node) for shift in shifts) else None


def apply(problem: Problem, shifts: list[Shift]) -> Edits:
    script = problem.script
    edits = problem.edits()
    for shift in shifts:
        if shift.rebind is not None and isinstance(shift.node, cst.For):
            edits.insert_before(shift.node.body.body[0], statement(f"{shift.rebind} = {shift.rebind} - 1"))
        elif isinstance(shift.node, cst.BaseExpression):
            edits.replace(shift.node, _minus_one(script, shift.node))
    return edits


def _shift(script: Script, label: cst.BaseExpression) -> Shift:
    """Where the labels a call uses were made: the value of their assignment, the loop that
    unpacks them, or (when neither is known) the argument."""
    name = dotted(label)
    if name is None:
        return Shift(label)
    if (bound := assignment(script, name, label)) is not None and isinstance(bound[0], cst.Assign):
        return Shift(bound[1])
    if (loop := loop_binding(script, name, label)) is not None and "." not in name:
        return Shift(loop, rebind=name)
    return Shift(label)


def _drawn_from_zero(node: cst.CSTNode) -> bool:
    """`torch.randint(0, C, ...)` / `torch.randint(C, size)`: labels made 0-based on purpose,
    so a label C means too few classes, not labels counted from 1."""
    if not isinstance(node, cst.Call) or kind_of(node) != "randint":
        return False
    args = positional(node)
    low = keyword(node, "low")
    if low is not None:
        return isinstance(low.value, cst.Integer) and low.value.value == "0"
    return len(args) == 2 or (len(args) >= 3 and isinstance(args[0].value, cst.Integer) and args[0].value.value == "0")


def _minus_one(script: Script, value: cst.BaseExpression) -> cst.BaseExpression:
    text = script.code(value)
    return expr(f"{text} - 1" if isinstance(value, _ATOMS) else f"({text}) - 1")
