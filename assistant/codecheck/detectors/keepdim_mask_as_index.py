"""A boolean mask made from a reduction that keeps its dim (`targets.sum(dim=1, keepdim=True) > 0`, shape
[B, 1]) used alone to index the tensor it was reduced from (`targets[mask]`): a mask must match the indexed tensor's leading
dims, and the kept dim has size 1 where the tensor has the size that was reduced ("The shape of the mask
[32, 1] at index 1 does not match the shape of the indexed tensor [32, 20] at index 1"). A reduction over
a dim of size 1 would be pointless, so the sizes differ wherever the code makes sense."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, constant, keyword, source_of
from assistant.codecheck.detectors import Hit, precondition

name = "keepdim-mask-as-index"
REDUCING = ("sum", "any", "all", "mean", "amax", "amin", "max", "min", "norm", "count_nonzero", "prod")


@precondition(lambda code: "keepdim" in code.source)
def check(code: Code) -> Iterator[Hit]:
    for subscript in sorted(code.nodes_of(ast.Subscript), key=lambda n: (n.lineno, n.col_offset)):
        mask = subscript.slice  # type: ignore[attr-defined]
        if not (isinstance(mask, ast.Name) and isinstance(subscript.ctx, ast.Load)):  # type: ignore[attr-defined]
            continue
        made = code.reaching_value(mask)
        reduced = _kept_reduction(made) if isinstance(made, ast.Compare) else None
        if reduced is not None and _same_tensor(code, _root(reduced), subscript.value):  # type: ignore[attr-defined]
            reduction = reduced.func.attr  # type: ignore[attr-defined]
            yield Hit.at(code, subscript, f"{mask.id} = {source_of(made)} keeps the reduced dim with size 1 "  # type: ignore[arg-type]
                         f"(keepdim=True), so as a mask it does not match {source_of(subscript.value)}'s shape on "  # type: ignore[attr-defined]
                         f"that dim; call .{reduction}(...) without keepdim to select whole rows, or squeeze the "
                         "mask")
            return


def _kept_reduction(comparison: ast.Compare) -> ast.Call | None:
    """The reduction, called with keepdim=True and a dim, that one side of the comparison is."""
    for side in (comparison.left, *comparison.comparators):
        if isinstance(side, ast.Call) and isinstance(side.func, ast.Attribute) and side.func.attr in REDUCING \
                and constant(keyword(side, "keepdim")) is True and (side.args or keyword(side, "dim") is not None):
            return side
    return None


def _root(call: ast.Call) -> ast.expr:
    """The tensor a method chain starts from: `boxes` of `boxes.abs().sum(dim=-1, keepdim=True)`."""
    value: ast.expr = call.func.value  # type: ignore[attr-defined]
    while isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute):
        value = value.func.value
    return value


def _same_tensor(code: Code, reduced: ast.expr, indexed: ast.expr) -> bool:
    """The mask indexes the tensor it was reduced from (the same binding of the same name): that tensor has
    the reduced size on the dim where the mask has 1. Another tensor may have 1 there."""
    if not (isinstance(reduced, ast.Name) and isinstance(indexed, ast.Name) and reduced.id == indexed.id):
        return False
    bound = code.reaching_value(reduced)
    if bound is None:  # a fragment's name: the same tensor only if nothing in the scope binds it
        return not code.assigned(code.scope_of(indexed), indexed.id) and code.reaching_value(indexed) is None
    return bound is code.reaching_value(indexed)
