"""A slice assignment that copies a whole sequence into a fixed-width buffer (`out[i, :len(s)] = s`,
the body of a padding collate) fails for a sequence longer than the buffer: the slice stops at the
buffer's edge and torch cannot expand the longer value into it. The buffer's width is the length
the code pads and truncates to, so the entry's fix, crop the value to the slot, is
`out[i, :len(s)] = s[:out.size(1)]`: shorter values are unchanged, longer ones keep their first
positions (the `lengths` such code records are usually capped the same way). Taken only where the
slice is meant to take the whole value (its end is the value's own length, `len(s)`, `s.size(0)`)
and starts at 0, and the other indices are plain positions, so that the buffer axis is known.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._edit import Edits, Script, expr, parse_shape

name = "crop-to-slot"


@needs_failing_line
def match(problem: Problem) -> tuple[cst.BaseExpression, str] | None:
    """The value assigned into the slot on the failing line, and its cropped spelling."""
    source, target = (parse_shape(problem.facts.values.get(key)) for key in ("source", "target"))
    try:
        dim = int(problem.facts.values["dim"])
    except (KeyError, ValueError):
        return None
    if source is None or target is None or len(source) != len(target) or not 0 <= dim < len(source):
        return None
    others = [(have, want) for axis, (have, want) in enumerate(zip(source, target)) if axis != dim]
    if source[dim] <= target[dim] or any(have not in (1, want) for have, want in others):
        return None
    script, line = problem.script, problem.facts.user_lines[-1]
    assigns = [node for node in script.nodes(cst.Assign) if script.covers(node, line) and len(node.targets) == 1
               and isinstance(node.targets[0].target, cst.Subscript)]
    if len(assigns) != 1:
        return None
    slot, value = assigns[0].targets[0].target, assigns[0].value
    axis = _buffer_axis(script, slot, value, dim)
    if axis is None:
        return None
    buffer, value_code = script.code(slot.value), script.code(value)
    if not isinstance(value, (cst.Name, cst.Attribute, cst.Subscript, cst.Call)):
        value_code = f"({value_code})"
    return value, f"{value_code}[{':, ' * dim}:{buffer}.size({axis})]"


def apply(problem: Problem, found: tuple[cst.BaseExpression, str]) -> Edits:
    value, cropped = found
    edits = problem.edits()
    edits.replace(value, expr(cropped))
    return edits


def _buffer_axis(script: Script, slot: cst.Subscript, value: cst.BaseExpression, dim: int) -> int | None:
    """The buffer axis the value's axis `dim` is written along: the dim-th slice of the subscript,
    when every index before it is a plain position, it starts at 0 and ends at the value's length."""
    kept = -1
    for axis, element in enumerate(slot.slice):
        index = element.slice
        if isinstance(index, cst.Index):
            if not isinstance(index.value, (cst.Name, cst.Integer, cst.Attribute)):
                return None  # a tensor or list index keeps axes of its own
            continue
        kept += 1
        if kept == dim:
            starts_at_zero = index.lower is None or script.code(index.lower) == "0"
            return axis if starts_at_zero and index.step is None and index.upper is not None and _length_of(
                script, index.upper, value, dim) else None
    return None


def _length_of(script: Script, bound: cst.BaseExpression, value: cst.BaseExpression, dim: int) -> bool:
    """The bound spells the value's own length along dim: `len(s)` (dim 0), `s.size(d)`, `s.shape[d]`."""
    text, own = script.code(bound).replace(" ", ""), script.code(value).replace(" ", "")
    spellings = {f"{own}.size({dim})", f"{own}.shape[{dim}]"} | ({f"len({own})"} if dim == 0 else set())
    return text in spellings
