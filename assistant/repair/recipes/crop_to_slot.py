"""A slice assignment that copies a whole sequence into a fixed-width buffer (`out[i, :len(s)] = s`,
the body of a padding collate) fails for a sequence longer than the buffer: the slice stops at the
buffer's edge and torch cannot expand the longer value into it. The buffer's width is the length
the code pads and truncates to, so the entry's fix, crop the value to the slot, is
`out[i, :len(s)] = s[:out.size(1)]`: shorter values are unchanged, longer ones keep their first
positions (the `lengths` such code records are usually capped the same way). Taken only where the
slice is meant to take the whole value (its end is the value's own length, `len(s)`, `s.size(0)`)
and starts at 0, and the other indices are plain positions, so that the buffer axis is known. A
slice that already ends at the value's length capped by the width (`n = min(len(s), max_len)`,
`out[i, :n] = s`) gets the value cropped to that end, `s[:n]`.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._definitions import assignment
from assistant.repair.recipes._edit import Edits, Script, dotted, expr
from assistant.repair.recipes._slot_assignment import mismatched_axis, slice_along

name = "crop-to-slot"


@needs_failing_line
def match(problem: Problem) -> tuple[cst.BaseExpression, str] | None:
    """The value assigned into the slot on the failing line, and its cropped spelling."""
    if (shapes := mismatched_axis(problem)) is None:
        return None
    source, target, dim = shapes
    if source[dim] <= target[dim]:
        return None
    script, line = problem.script, problem.facts.user_lines[-1]
    assigns = [node for node in script.nodes(cst.Assign) if script.covers(node, line) and len(node.targets) == 1
               and isinstance(node.targets[0].target, cst.Subscript)]
    if len(assigns) != 1:
        return None
    slot, value = assigns[0].targets[0].target, assigns[0].value
    if (end := _slot_end(script, slot, value, dim)) is None:
        return None
    value_code = script.code(value)
    if not isinstance(value, (cst.Name, cst.Attribute, cst.Subscript, cst.Call)):
        value_code = f"({value_code})"
    return value, f"{value_code}[{':, ' * dim}:{end}]"


def apply(problem: Problem, found: tuple[cst.BaseExpression, str]) -> Edits:
    value, cropped = found
    edits = problem.edits()
    edits.replace(value, expr(cropped))
    return edits


def _slot_end(script: Script, slot: cst.Subscript, value: cst.BaseExpression, dim: int) -> str | None:
    """Where the cropped value ends: the buffer's size along the axis the value's axis `dim` is
    written along (the dim-th slice of the subscript, when every index before it is a plain
    position, it starts at 0 and ends at the value's length), or the slice's own end when that is
    the value's length capped (`n = min(len(s), max_len)`: `s[:n]` fills exactly the slice)."""
    if (along := slice_along(slot, dim)) is None:
        return None
    axis, index = along
    if index.lower is not None and script.code(index.lower) != "0" or index.step or index.upper is None:
        return None
    if _length_of(script, index.upper, value, dim):
        return f"{script.code(slot.value)}.size({axis})"
    return script.code(index.upper) if _capped_length(script, index.upper, value, dim) else None


def _capped_length(script: Script, bound: cst.BaseExpression, value: cst.BaseExpression, dim: int) -> bool:
    """The bound is a name given the value's own length capped by another: `n = min(len(s), limit)`."""
    given = assignment(script, bound.value, bound) if isinstance(bound, cst.Name) else None
    call = given[1] if given is not None else None
    if not isinstance(call, cst.Call) or dotted(call.func) != "min" or len(call.args) != 2 \
            or any(arg.keyword or arg.star for arg in call.args):
        return False
    return any(_length_of(script, arg.value, value, dim) for arg in call.args)


def _length_of(script: Script, bound: cst.BaseExpression, value: cst.BaseExpression, dim: int) -> bool:
    """The bound spells the value's own length along dim: `len(s)` (dim 0), `s.size(d)`, `s.shape[d]`."""
    text, own = script.code(bound).replace(" ", ""), script.code(value).replace(" ", "")
    spellings = {f"{own}.size({dim})", f"{own}.shape[{dim}]"} | ({f"len({own})"} if dim == 0 else set())
    return text in spellings
