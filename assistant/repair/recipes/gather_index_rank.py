"""`gather` needs an index with as many dimensions as its input. Picking one entry per row (the
Q-value of the action taken, the log-probability of the chosen token) with a flat `[N]` index
against `[N, A]` values fails; the entry's fix gives the index the missing axis at the gathered
dimension and drops it from the result, `q.gather(1, a.unsqueeze(1)).squeeze(1)`, so that the
code after it still gets the `[N]` it was written for.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._edit import Edits, Script, callee, expr, keyword, positional

name = "gather-index-rank"


@needs_failing_line
def match(problem: Problem) -> list[tuple[cst.Call, cst.BaseExpression, cst.BaseExpression]] | None:
    """(gather call, its dim, its index) for the gather calls on the failing line."""
    script = problem.script
    gathers = [call for call in script.calls() if isinstance(call.func, cst.Attribute) and call.func.attr.value == "gather"]
    parts = [found for call in script.at_failure(gathers, problem.facts.user_lines) if (found := _parts(call))]
    return parts or None


def apply(problem: Problem, gathers: list[tuple[cst.Call, cst.BaseExpression, cst.BaseExpression]]) -> Edits:
    script = problem.script
    edits = problem.edits()
    for call, dim, index in gathers:
        dim_code = script.code(dim)
        widened = call.deep_replace(index, script.with_method(index, f"unsqueeze({dim_code})"))
        squeezed = _already_squeezed(script, call)
        edits.replace(call, widened if squeezed else expr(f"{script.code(widened)}.squeeze({dim_code})"))
    return edits


def _parts(call: cst.Call) -> tuple[cst.Call, cst.BaseExpression, cst.BaseExpression] | None:
    """The dim and index of `x.gather(dim, index)` or `torch.gather(x, dim, index)`."""
    args = positional(call)
    offset = 1 if callee(call) == "torch.gather" else 0
    dim = keyword(call, "dim") or (args[offset:offset + 1] or [None])[0]
    index = keyword(call, "index") or (args[offset + 1:offset + 2] or [None])[0]
    return (call, dim.value, index.value) if dim is not None and index is not None else None


def _already_squeezed(script: Script, call: cst.Call) -> bool:
    """`x.gather(1, a).squeeze(...)`: the code drops the axis itself."""
    parent = script.parents.get(call)
    return isinstance(parent, cst.Attribute) and parent.value is call and parent.attr.value == "squeeze"
