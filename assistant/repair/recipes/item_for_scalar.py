"""Since PyTorch 0.4 a full reduction (the loss, `x.sum()`, `(pred == y).sum()`) is a 0-dim tensor,
so the 0.3 idiom `loss.data[0]` has nothing to index, and `round(loss, 4)` finds no `__round__`.
The entry's fix reads the number with `.item()`: `loss.data[0]` becomes `loss.item()` (which needs
no `.data`), `correct[0]` becomes `correct.item()`, `round(loss, 4)` becomes `round(loss.item(), 4)`.
Only the failing line is edited: `[0]` elsewhere may index a real batch.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._edit import Edits, callee, positional

name = "item-for-scalar"


@needs_failing_line
def match(problem: Problem) -> list[tuple[cst.BaseExpression, cst.BaseExpression]] | None:
    """(expression, the scalar it reads) pairs on the failing line: `x[0]` or `x.data[0]` subscripts,
    else the first argument of `round(...)`."""
    script = problem.script
    for line in reversed(problem.facts.user_lines):
        subscripts = [node for node in script.nodes(cst.Subscript) if script.covers(node, line) and _indexes_zero(node)]
        legacy = [node for node in subscripts if _on_data(node)]
        if legacy or len(subscripts) == 1:
            return [(node, _scalar(node)) for node in legacy or subscripts]
        rounded = [positional(call)[0].value for call in script.calls_on(line) if callee(call) == "round" and positional(call)]
        if rounded:
            return [(value, value) for value in rounded]
    return None


def apply(problem: Problem, found: list[tuple[cst.BaseExpression, cst.BaseExpression]]) -> Edits:
    script = problem.script
    edits = problem.edits()
    for node, scalar in found:
        edits.replace(node, script.with_method(scalar, "item()"))
    return edits


def _indexes_zero(node: cst.Subscript) -> bool:
    if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
        return False
    index = node.slice[0].slice.value
    return isinstance(index, cst.Integer) and index.value == "0"


def _on_data(node: cst.Subscript) -> bool:
    return isinstance(node.value, cst.Attribute) and node.value.attr.value == "data"


def _scalar(node: cst.Subscript) -> cst.BaseExpression:
    """What `[0]` was meant to read the number of: `loss` for `loss.data[0]`."""
    return node.value.value if _on_data(node) else node.value
