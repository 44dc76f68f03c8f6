"""A negative label (`-1` padding of sequence tags, `-100` as CrossEntropyLoss would ignore it)
marks "no class here", and `one_hot` refuses it: class values must be non-negative. The entry's
fix one-hot encodes the valid positions only and leaves the padded ones all-zero rows:
`F.one_hot(labels.clamp(min=0), C) * (labels >= 0).unsqueeze(-1)`. Labels that are too large
stay refused (they are a numbering bug, not padding), and only a plain name or attribute is
repeated in the mask, so nothing is evaluated twice.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._edit import Edits, Script, expr, keyword, kind_of, positional

name = "one-hot-valid-positions"
NEGATIVE = "non-negative"


@needs_failing_line
def match(problem: Problem) -> list[cst.Call] | None:
    """The one_hot calls on the failing line whose labels hold padding, with an explicit width."""
    if NEGATIVE not in problem.facts.message:
        return None
    script = problem.script
    calls = [call for call in script.calls() if kind_of(call) == "one_hot" and _labels_and_width(call)]
    return script.at_failure(calls, problem.facts.user_lines) or None


def apply(problem: Problem, calls: list[cst.Call]) -> Edits:
    edits = problem.edits()
    code = problem.script.code
    for call in calls:
        labels, _ = _labels_and_width(call)
        clamped = call.with_changes(args=[
            arg.with_changes(value=expr(f"{code(labels)}.clamp(min=0)")) if arg.value is labels else arg
            for arg in call.args])
        masked = f"{code(clamped)} * ({code(labels)} >= 0).unsqueeze(-1)"
        edits.replace(call, expr(f"({masked})" if _operand(problem.script, call) else masked))
    return edits


def _operand(script: Script, call: cst.Call) -> bool:
    """The call is part of a larger expression (`.float()` after it, an operator), so the product
    that replaces it needs parentheses."""
    parent = next(script.ancestors(call), None)
    return not isinstance(parent, (cst.Assign, cst.Arg, cst.Return, cst.AnnAssign))


def _labels_and_width(call: cst.Call) -> tuple[cst.BaseExpression, cst.BaseExpression] | None:
    """(labels, num_classes) of a one_hot call whose labels are a name or attribute; without an
    explicit width the clamp would change the inferred one."""
    args = positional(call)
    width = args[1].value if len(args) > 1 else (found.value if (found := keyword(call, "num_classes")) else None)
    if not args or width is None or not isinstance(args[0].value, (cst.Name, cst.Attribute)):
        return None
    return args[0].value, width
