"""What the recipes for a slice assignment that cannot expand its value (`out[i, :n] = s`) read
alike: the shapes the error names and the slice of the slot that the value's axis is written
along. crop-to-slot (a value longer than the slot) and slot-to-value-length (a value shorter
than it) differ only in which side they change. The module name starts with `_`, so the
registry does not take it for a recipe.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem
from assistant.repair.recipes._edit import parse_shape


def mismatched_axis(problem: Problem) -> tuple[tuple[int, ...], tuple[int, ...], int] | None:
    """(the value's shape, the slot's shape, the axis they differ on) from the error, when that
    axis is the only one the value cannot broadcast along."""
    source, target = (parse_shape(problem.facts.values.get(key)) for key in ("source", "target"))
    try:
        dim = int(problem.facts.values["dim"])
    except (KeyError, ValueError):
        return None
    if source is None or target is None or len(source) != len(target) or not 0 <= dim < len(source):
        return None
    others = [(have, want) for axis, (have, want) in enumerate(zip(source, target)) if axis != dim]
    return (source, target, dim) if all(have in (1, want) for have, want in others) else None


def slice_along(slot: cst.Subscript, dim: int) -> tuple[int, cst.Slice] | None:
    """(its position in the subscript, the slice) of the dim-th slice of the slot, when every
    index before it is a plain position, so that the value's axis dim is written along it."""
    kept = -1
    for position, element in enumerate(slot.slice):
        index = element.slice
        if isinstance(index, cst.Index):
            if not isinstance(index.value, (cst.Name, cst.Integer, cst.Attribute)):
                return None  # a tensor or list index keeps axes of its own
            continue
        kept += 1
        if kept == dim:
            return position, index
    return None
