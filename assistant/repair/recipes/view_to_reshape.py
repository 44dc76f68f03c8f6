"""view() never copies, so it refuses a tensor whose memory is not laid out in the requested order
(after transpose, permute, expand or some slicing). reshape() returns the same view when one is
possible and copies otherwise, so swapping the method on the failing line fixes it with no change
in values.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem
from assistant.repair.recipes._edit import Edits

name = "view-to-reshape"


def match(problem: Problem) -> list[cst.Call] | None:
    """The `.view(...)` calls on the failing line, else all of them."""
    script = problem.script
    views = [call for call in script.calls() if _is_view(call)]
    return script.at_failure(views, problem.facts.user_lines) or None


def apply(problem: Problem, views: list[cst.Call]) -> Edits:
    edits = problem.edits()
    for call in views:
        edits.replace(call.func, call.func.with_changes(attr=cst.Name("reshape")))
    return edits


def _is_view(call: cst.Call) -> bool:
    return isinstance(call.func, cst.Attribute) and call.func.attr.value == "view" and bool(call.args)
