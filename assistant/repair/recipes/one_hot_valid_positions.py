"""A label that marks "no class here" is refused by `one_hot`: a negative one (`-1` padding of
sequence tags, `-100` as CrossEntropyLoss would ignore it) because class values must be
non-negative, the void value 255 of segmentation masks because it is not smaller than
num_classes. The entry's fix one-hot encodes the valid positions only and leaves the marked ones
all-zero rows: `F.one_hot(labels.clamp(min=0), C) * (labels >= 0).unsqueeze(-1)`, and for void
pixels `F.one_hot(mask.clamp(max=C - 1), C) * (mask < C).unsqueeze(-1)`. A label that is too
large is taken for void only where the script writes 255 into those labels; otherwise it is a
numbering bug, not a marker. The labels are repeated in the mask only when they are a name or a
reshaping of one (`tags.view(-1)`, `mask[:, 0]`), so nothing costly is evaluated twice.
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._edit import Edits, Script, dotted, expr, keyword, kind_of, positional
from assistant.repair.recipes._values import integer

name = "one-hot-valid-positions"
NEGATIVE = "non-negative"
TOO_LARGE = "smaller than num_classes"
VOID = 255  # the "ignore this pixel" value of segmentation masks (Pascal VOC, Cityscapes)
_RESHAPES = ("view", "reshape", "flatten", "squeeze", "unsqueeze", "long", "permute", "contiguous")


@needs_failing_line
def match(problem: Problem) -> tuple[list[cst.Call], bool] | None:
    """(the one_hot calls on the failing line whose labels hold markers, with an explicit width;
    whether the marker is the void value rather than a negative one)."""
    script = problem.script
    void = TOO_LARGE in problem.facts.message
    if NEGATIVE not in problem.facts.message and not void:
        return None
    calls = [call for call in script.calls() if kind_of(call) == "one_hot" and (found := _labels_and_width(call))
             and (not void or _marked_void(script, found[0]))]
    failing = script.at_failure(calls, problem.facts.user_lines)
    return (failing, void) if failing else None


def apply(problem: Problem, found: tuple[list[cst.Call], bool]) -> Edits:
    calls, void = found
    edits = problem.edits()
    code = problem.script.code
    for call in calls:
        labels, width = _labels_and_width(call)
        clamp, valid = (f"max={code(width)} - 1", f"< {code(width)}") if void else ("min=0", ">= 0")
        clamped = call.with_changes(args=[
            arg.with_changes(value=expr(f"{code(labels)}.clamp({clamp})")) if arg.value is labels else arg
            for arg in call.args])
        masked = f"{code(clamped)} * ({code(labels)} {valid}).unsqueeze(-1)"
        edits.replace(call, expr(f"({masked})" if _operand(problem.script, call) else masked))
    return edits


def _operand(script: Script, call: cst.Call) -> bool:
    """The call is part of a larger expression (`.float()` after it, an operator), so the product
    that replaces it needs parentheses."""
    parent = next(script.ancestors(call), None)
    return not isinstance(parent, (cst.Assign, cst.Arg, cst.Return, cst.AnnAssign))


def _labels_and_width(call: cst.Call) -> tuple[cst.BaseExpression, cst.BaseExpression] | None:
    """(labels, num_classes) of a one_hot call whose labels are a name or a reshaping of one;
    without an explicit width the clamp would change the inferred one."""
    args = positional(call)
    width = args[1].value if len(args) > 1 else (found.value if (found := keyword(call, "num_classes")) else None)
    if not args or width is None or _root(args[0].value) is None:
        return None
    return args[0].value, width


def _root(labels: cst.BaseExpression) -> str | None:
    """The name the labels are read from, through reshaping calls and subscripts (`tags` of
    `tags.view(-1)`), or None when computing them does more than reshape."""
    node = labels
    while True:
        if (name := dotted(node)) is not None:
            return name
        if isinstance(node, cst.Subscript):
            node = node.value
        elif (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)
              and node.func.attr.value in _RESHAPES):
            node = node.func.value
        else:
            return None


def _marked_void(script: Script, labels: cst.BaseExpression) -> bool:
    """The script writes the void value into the labels (`mask[:, 0] = 255`)."""
    root = _root(labels)
    return any(isinstance(target.target, cst.Subscript) and _root(target.target.value) == root
               and integer(script, assign.value) == VOID
               for assign in m.findall(script.module, m.Assign()) if isinstance(assign, cst.Assign)
               for target in assign.targets)
