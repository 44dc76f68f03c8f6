"""A boolean mask must have exactly the shape of the dims it selects over; it is never broadcast.
A mask computed from a [N, 1] column (the scores of a Linear(..., 1) head) has a trailing size-1
axis, so it cannot select rows of a [N, 4] tensor. The entry's fix drops that axis,
`boxes[keep.squeeze(-1)]`, at the failing indexing: the mask keeps its own shape elsewhere, where
it may select from other [N, 1] tensors correctly. Of several indexings with masks on the
failing line (`cross_entropy(logits[has_label], targets[has_label])`), the one fixed is the one
whose tensor the mask was not computed from: `has_label = targets >= 0` has the shape of
`targets` and selects from it as it is.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Facts, Problem, needs_failing_line
from assistant.repair.recipes._definitions import resolved
from assistant.repair.recipes._edit import Edits, Script, dotted, parse_shape

name = "squeeze-mask-column"


@needs_failing_line
def match(problem: Problem) -> cst.BaseExpression | None:
    """The mask of the one `x[mask]` on the failing line, when its only mismatch is a trailing 1."""
    if not _trailing_singleton(problem.facts):
        return None
    script = problem.script
    line = problem.facts.user_lines[-1]
    indexings = [(node.value, node.slice[0].slice.value) for node in script.nodes(cst.Subscript)
                 if script.covers(node, line) and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index)
                 and not isinstance(node.slice[0].slice.value, (cst.Integer, cst.SimpleString, cst.UnaryOperation))]
    if len(indexings) > 1:  # `logits[keep]` and `targets[keep]`: only the one the mask was not built from fails
        indexings = [(indexed, mask) for indexed, mask in indexings if not _compares(script, mask, indexed)]
    return indexings[0][1] if len(indexings) == 1 else None


def apply(problem: Problem, mask: cst.BaseExpression) -> Edits:
    edits = problem.edits()
    edits.call_method(mask, "squeeze(-1)")
    return edits


def _compares(script: Script, mask: cst.BaseExpression, indexed: cst.BaseExpression) -> bool:
    """The mask is a comparison of the indexed tensor itself (`keep = targets >= 0` indexing
    `targets`), so it has that tensor's shape and selects from it fine."""
    made = resolved(script, mask)
    return isinstance(made, cst.Comparison) and dotted(indexed) is not None and dotted(made.left) == dotted(indexed)


def _trailing_singleton(facts: Facts) -> bool:
    """mask [..., 1] against a tensor whose leading dims equal the mask's others."""
    mask, tensor = parse_shape(facts.values.get("mask_shape")), parse_shape(facts.values.get("tensor_shape"))
    index = facts.values.get("index", "")
    if mask is None or tensor is None or not index.isdigit() or len(mask) < 2 or len(tensor) < len(mask):
        return False
    return int(index) == len(mask) - 1 and mask[-1] == 1 and mask[:-1] == tensor[:len(mask) - 1]
