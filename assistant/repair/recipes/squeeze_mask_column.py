"""A boolean mask must have exactly the shape of the dims it selects over; it is never broadcast.
A mask computed from a [N, 1] column (the scores of a Linear(..., 1) head) has a trailing size-1
axis, so it cannot select rows of a [N, 4] tensor. The entry's fix drops that axis,
`boxes[keep.squeeze(-1)]`, at the failing indexing: the mask keeps its own shape elsewhere, where
it may select from other [N, 1] tensors correctly.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Facts, Problem, needs_failing_line
from assistant.repair.recipes._edit import Edits, parse_shape

name = "squeeze-mask-column"


@needs_failing_line
def match(problem: Problem) -> cst.BaseExpression | None:
    """The mask of the one `x[mask]` on the failing line, when its only mismatch is a trailing 1."""
    if not _trailing_singleton(problem.facts):
        return None
    script = problem.script
    line = problem.facts.user_lines[-1]
    masks = [node.slice[0].slice.value for node in script.nodes(cst.Subscript) if script.covers(node, line)
             and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index)
             and not isinstance(node.slice[0].slice.value, (cst.Integer, cst.SimpleString, cst.UnaryOperation))]
    return masks[0] if len(masks) == 1 else None


def apply(problem: Problem, mask: cst.BaseExpression) -> Edits:
    edits = problem.edits()
    edits.call_method(mask, "squeeze(-1)")
    return edits


def _trailing_singleton(facts: Facts) -> bool:
    """mask [..., 1] against a tensor whose leading dims equal the mask's others."""
    mask, tensor = parse_shape(facts.values.get("mask_shape")), parse_shape(facts.values.get("tensor_shape"))
    index = facts.values.get("index", "")
    if mask is None or tensor is None or not index.isdigit() or len(mask) < 2 or len(tensor) < len(mask):
        return False
    return int(index) == len(mask) - 1 and mask[-1] == 1 and mask[:-1] == tensor[:len(mask) - 1]
