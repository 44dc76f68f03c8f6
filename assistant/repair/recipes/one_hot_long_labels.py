"""`one_hot` takes int64 class indices only; labels read as floats (from NumPy, a CSV, a mask
image) or built as int32 are refused before any range check. The entry's fix converts them at
the call, `F.one_hot(labels.long(), num_classes=C)`, which leaves whole-number labels unchanged
(`labels.float()` written there becomes `labels.long()`).
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._edit import Edits, kind_of, positional

name = "one-hot-long-labels"
_OTHER_DTYPES = ("float", "double", "half", "int", "short")


@needs_failing_line
def match(problem: Problem) -> list[cst.BaseExpression] | None:
    """The labels of the one_hot calls on the failing line."""
    script = problem.script
    calls = [call for call in script.calls() if kind_of(call) == "one_hot" and positional(call)]
    return [positional(call)[0].value for call in script.at_failure(calls, problem.facts.user_lines)] or None


def apply(problem: Problem, labels: list[cst.BaseExpression]) -> Edits:
    edits = problem.edits()
    for label in labels:
        if (isinstance(label, cst.Call) and not label.args and isinstance(label.func, cst.Attribute)
                and label.func.attr.value in _OTHER_DTYPES):
            edits.replace(label, label.with_changes(func=label.func.with_changes(attr=cst.Name("long"))))
        else:
            edits.call_method(label, "long()")
    return edits
