"""A slice assignment into a padded buffer whose slot is wider than the value written into it
(`padded[i, :max_len] = ids` for a sequence shorter than the longest, `out[:, :WIDTH] = y` for
fewer columns) fails: torch cannot stretch the shorter value to the slot. The entry's fix makes
both sides agree by ending the slot at the value's own length, `padded[i, :len(ids)] = ids`: the
value's positions are written as before and the rest of the row keeps the buffer's fill value,
which is what padding means. Taken only where that holds: the slot is one row of the buffer
(`out[i, ...]`, rows of different lengths written one by one), the buffer is made by a fill
factory (`torch.zeros`, `torch.full`, `new_zeros`, ...; an `empty` buffer would keep garbage
there), the slot starts at 0, every index before it is a plain position (so the value's axis is
the slot's axis), and the value is a name or attribute that can be measured twice. A value longer than the
slot is crop-to-slot's case.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._definitions import assignment
from assistant.repair.recipes._edit import Edits, Script, dotted, expr
from assistant.repair.recipes._slot_assignment import mismatched_axis, slice_along

name = "slot-to-value-length"
_FILLED = ("zeros", "ones", "full", "zeros_like", "ones_like", "full_like", "new_zeros", "new_ones", "new_full")


@needs_failing_line
def match(problem: Problem) -> tuple[cst.BaseExpression, str] | None:
    """(the slot's end on the failing line, the value's length to end it at instead)."""
    dim = _short_axis(problem)
    script, line = problem.script, problem.facts.user_lines[-1]
    assigns = [node for node in script.nodes(cst.Assign) if script.covers(node, line) and len(node.targets) == 1
               and isinstance(node.targets[0].target, cst.Subscript)]
    if dim is None or len(assigns) != 1:
        return None
    slot, value = assigns[0].targets[0].target, assigns[0].value
    own = dotted(value)
    if own is None or not _filled_buffer(script, slot.value, slot):
        return None
    end, length = _slot_end(script, slot, dim), f"len({own})" if dim == 0 else f"{own}.size({dim})"
    if end is None or script.code(end).replace(" ", "") == length:
        return None
    return end, length


def apply(problem: Problem, found: tuple[cst.BaseExpression, str]) -> Edits:
    end, length = found
    edits = problem.edits()
    edits.replace(end, expr(length))
    return edits


def _short_axis(problem: Problem) -> int | None:
    """The one axis along which the value is shorter than the slot (and not 1, which would
    broadcast); every other axis already agrees."""
    shapes = mismatched_axis(problem)
    if shapes is None:
        return None
    source, target, dim = shapes
    return dim if 1 < source[dim] < target[dim] else None


def _filled_buffer(script: Script, buffer: cst.BaseExpression, user: cst.CSTNode) -> bool:
    """The buffer is bound (in this function, or as an attribute set elsewhere) to a fill
    factory's result, so the positions past the value keep a known pad value."""
    buffer_name = dotted(buffer)
    bound = assignment(script, buffer_name, user) if buffer_name is not None else None
    if bound is None or not isinstance(made := bound[1], cst.Call):
        return False
    return isinstance(made.func, (cst.Attribute, cst.Name)) and (
        made.func.attr.value if isinstance(made.func, cst.Attribute) else made.func.value) in _FILLED


def _slot_end(script: Script, slot: cst.Subscript, dim: int) -> cst.BaseExpression | None:
    """The end of the slot's slice along the value's axis dim, when it starts at 0 with no step
    and the slot is one row of the buffer (a plain position comes before the slice: `out[i, :n]`).
    A whole-buffer slot (`out[:, :WIDTH] = y`) is refused: one value narrower than a fixed width
    may as well be a wrong width made upstream, which zero columns would hide."""
    if (along := slice_along(slot, dim)) is None or along[0] == dim:
        return None
    index = along[1]
    starts_at_zero = index.lower is None or script.code(index.lower) == "0"
    return index.upper if starts_at_zero and index.step is None else None
