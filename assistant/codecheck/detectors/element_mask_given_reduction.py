"""`x[mask] = x.nanmean(dim=0)`: an element mask of x (isnan(x), x > 0) selects a flat [mask.sum()]
result, and a reduction of x along one dim (per-column means, of shape [F]) does not broadcast to
it, so the write raises "shape mismatch: value tensor of shape [F] cannot be broadcast to indexing
result of shape [k]". Needs x of at least two dims (from the code, or a reduction along dim >= 1):
on a 1-D x the reduction is a scalar and the write is right."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, argument, constant, dotted, keyword, source_of
from assistant.codecheck.detectors import Hit
from assistant.codecheck.detectors._ranks import rank_of

name = "element-mask-given-reduction"
ELEMENT_TESTS = ("isnan", "isinf", "isfinite", "isneginf", "isposinf")
REDUCTIONS = ("mean", "nanmean", "sum", "nansum", "std", "var", "amax", "amin", "median", "nanmedian")


def check(code: Code) -> Iterator[Hit]:
    for statement in code.nodes_of(ast.Assign):
        target = statement.targets[0] if len(statement.targets) == 1 else None
        if not isinstance(target, ast.Subscript) or (tensor := dotted(target.value)) is None:
            continue
        if _element_mask_of(code, target.slice) != tensor:
            continue
        reduced = _reduction_of(code, statement.value)
        if reduced is None or reduced[0] != tensor:
            continue
        dim = reduced[1]
        if not (isinstance(dim, int) and dim >= 1 or ((known := rank_of(code, target.value, comments=True)) is not None and known.dims >= 2)):
            continue
        yield Hit.at(code, statement, f"{source_of(statement).strip()}: the mask selects single elements of {tensor} "
                     f"(a flat [mask.sum()] result), and {source_of(statement.value)} is reduced along dim {dim}, one "
                     f"value per column, not per selected element; write {tensor}[mask] = "
                     f"fill.expand_as({tensor})[mask] with fill the reduction kept as keepdim=True, or use "
                     f"torch.where(mask, fill, {tensor})")


def _followed(code: Code, value: ast.expr) -> ast.expr | None:
    return code.reaching_value(value) if isinstance(value, ast.Name) else value


def _element_mask_of(code: Code, mask: ast.expr) -> str | None:
    """The tensor a mask tests element by element: `torch.isnan(x)`, `x.isnan()`, `~torch.isfinite(x)`, `x > 0`."""
    mask = _followed(code, mask)  # type: ignore[assignment]
    if isinstance(mask, ast.UnaryOp) and isinstance(mask.op, ast.Invert):
        mask = _followed(code, mask.operand)  # type: ignore[assignment]
    if isinstance(mask, ast.Compare) and len(mask.comparators) == 1 and isinstance(
            constant(mask.comparators[0]), (int, float)):
        return dotted(mask.left)
    if not isinstance(mask, ast.Call) or not isinstance(mask.func, ast.Attribute) or mask.func.attr not in ELEMENT_TESTS:
        return None
    if code.resolved(mask.func) == f"torch.{mask.func.attr}" and len(mask.args) == 1:
        return dotted(mask.args[0])
    return dotted(mask.func.value) if code.resolved(mask.func) is None and not mask.args else None


def _reduction_of(code: Code, value: ast.expr) -> tuple[str, object] | None:
    """(x, dim) for `x.nanmean(dim=0)`, `torch.mean(x, 0)`, `x.median(0).values` without keepdim."""
    value = _followed(code, value)  # type: ignore[assignment]
    if isinstance(value, ast.Attribute) and value.attr == "values":
        value = value.value
    if not isinstance(value, ast.Call) or not isinstance(value.func, ast.Attribute) or value.func.attr not in REDUCTIONS:
        return None
    if constant(keyword(value, "keepdim")) is not NotImplemented and constant(keyword(value, "keepdim")) is not False:
        return None
    if code.resolved(value.func) == f"torch.{value.func.attr}" and value.args:
        tensor, dim = dotted(value.args[0]), argument(value, 1, "dim")
    elif code.resolved(value.func) is None:
        tensor, dim = dotted(value.func.value), argument(value, 0, "dim")
    else:
        return None
    found = constant(dim) if dim is not None else NotImplemented
    return (tensor, found) if tensor is not None and isinstance(found, int) and len(value.args) <= 2 else None
