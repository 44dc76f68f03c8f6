"""`.item()` (or `float()` / `int()`) on a loss built with reduction="none", one value per sample:
"a Tensor with 16 elements cannot be converted to Scalar". Reduce it first (`.mean()`), or take
several numbers with `.tolist()`."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, constant, keyword, kind_of, source_of
from assistant.codecheck.detectors import Hit
from assistant.codecheck.detectors._losses import loss_kind, loss_options

name = "item-on-unreduced"
ELEMENTWISE = (ast.Mult, ast.Add, ast.Sub, ast.Div)
KEEPING = ("detach", "cpu", "cuda", "to", "float", "double", "abs", "clone")


def check(code: Code) -> Iterator[Hit]:
    if "none" not in code.source:
        return
    for call in code.calls:
        tensor = _converted(call)
        if tensor is None:
            continue
        loss = _unreduced_loss(code, tensor, depth=0)
        if loss is not None:
            yield Hit.at(code, call, f"{source_of(call)} converts {source_of(tensor)} to one number, but it holds one "
                         f"loss per element ({source_of(loss.func)}(..., reduction=\"none\"), line {loss.lineno}): "
                         f"reduce it first, e.g. {source_of(tensor)}.mean().item(), or use .tolist()")


def _converted(call: ast.Call) -> ast.expr | None:
    """The tensor that `t.item()`, `float(t)` or `int(t)` turns into a Python number."""
    if isinstance(call.func, ast.Attribute) and call.func.attr == "item" and not call.args and not call.keywords:
        return call.func.value
    if isinstance(call.func, ast.Name) and call.func.id in ("float", "int") and len(call.args) == 1 and not call.keywords:
        return call.args[0]
    return None


def _unreduced_loss(code: Code, value: ast.expr | None, depth: int) -> ast.Call | None:
    if depth > 6 or value is None:
        return None
    if isinstance(value, ast.Name):
        return _unreduced_loss(code, code.reaching_value(value), depth + 1)
    if isinstance(value, ast.BinOp) and isinstance(value.op, ELEMENTWISE):
        return _unreduced_loss(code, value.left, depth + 1) or _unreduced_loss(code, value.right, depth + 1)
    if not isinstance(value, ast.Call):
        return None
    if isinstance(value.func, ast.Attribute) and kind_of(value) in KEEPING:
        return _unreduced_loss(code, value.func.value, depth + 1)
    return value if loss_kind(code, value) is not None and _reduces_nothing(code, value) else None


def _reduces_nothing(code: Code, call: ast.Call) -> bool:
    reduction = keyword(call, "reduction")
    if reduction is None and (options := loss_options(code, call)) is not None:
        reduction = keyword(options, "reduction")
    return reduction is not None and constant(reduction) == "none"
