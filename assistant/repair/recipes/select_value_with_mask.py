"""`x[mask] = v` writes mask.sum() elements, so v must broadcast to that flat selection. A value
shaped like x (or like one row of it: per-column means, a default per feature) has lost its
positions once the mask flattened the target. The entry's fix selects the value with the same
mask, `x[mask] = v.expand_as(x)[mask]`: each selected element gets the value at its own position,
and a row-shaped v is stretched over x first (a view, no copy).
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._edit import Edits, expr

name = "select-value-with-mask"


@needs_failing_line
def match(problem: Problem) -> tuple[cst.Subscript, cst.BaseExpression] | None:
    """The `x[index]` target and the value of the assignment on the failing line."""
    script = problem.script
    line = problem.facts.user_lines[-1]
    for node in script.nodes((cst.Assign, cst.AugAssign)):
        if not script.covers(node, line):
            continue
        target = _target(node)
        if isinstance(target, cst.Subscript) and _single_index(target):
            return target, node.value
    return None


def apply(problem: Problem, found: tuple[cst.Subscript, cst.BaseExpression]) -> Edits:
    target, value = found
    script, edits = problem.script, problem.edits()
    index = script.code(target.slice[0].slice.value)
    stretched = script.with_method(value, f"expand_as({script.code(target.value)})")
    edits.replace(value, expr(f"{script.code(stretched)}[{index}]"))
    return edits


def _target(node: cst.Assign | cst.AugAssign) -> cst.BaseExpression | None:
    if isinstance(node, cst.AugAssign):
        return node.target
    return node.targets[0].target if len(node.targets) == 1 else None


def _single_index(target: cst.Subscript) -> bool:
    """`x[mask]`: one index that is an expression, not a slice or several axes."""
    return len(target.slice) == 1 and isinstance(target.slice[0].slice, cst.Index)
