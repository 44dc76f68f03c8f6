"""`boxes[scores > t][0]`: the first (or last) element of a tensor filtered by a threshold mask,
taken with no check that anything passed the filter. For an input where nothing does (an untrained
detector, a class absent from the batch) the filtered tensor is empty and the index fails with
"index 0 is out of bounds for dimension 0 with size 0". Code that tests the result or the mask
anywhere in the same function (len, numel, any, shape, an `if` on it) or catches IndexError is
taken as handling the empty case; a mask comparing with the tensor's own max/min is never empty."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, dotted, source_of
from assistant.codecheck.detectors import Hit

name = "first-of-filtered"

COMPARISONS = (ast.Gt, ast.GtE, ast.Lt, ast.LtE, ast.Eq, ast.NotEq)
ATTAINED = ("max", "min", "amax", "amin")  # x == x.max() always holds somewhere
SIZE_CHECKS = ("len", "numel", "nelement", "any", "all", "sum", "count_nonzero", "size")


def check(code: Code) -> Iterator[Hit]:
    for subscript in code.nodes_of(ast.Subscript):
        if not (isinstance(subscript.ctx, ast.Load) and _end_index(subscript.slice)):
            continue
        filtered, named = _filtered(code, subscript.value)
        if filtered is None or (mask := _threshold_mask(code, filtered.slice)) is None:
            continue
        watched = {*named, *_names(mask), *_names(filtered.slice)}
        if not _size_checked(code, subscript, filtered, watched):
            yield Hit.at(code, subscript, f"{source_of(subscript)} takes one element of {source_of(filtered)}, "
                         f"which is empty when nothing passes {source_of(mask)}: IndexError, index 0 is out "
                         "of bounds for dimension 0 with size 0; handle the empty case first")


def _end_index(index: ast.expr) -> bool:
    value = index.operand if isinstance(index, ast.UnaryOp) and isinstance(index.op, ast.USub) else index
    return isinstance(value, ast.Constant) and type(value.value) is int and (
        value.value == 0 if value is index else value.value == 1)


def _filtered(code: Code, value: ast.expr) -> tuple[ast.Subscript | None, list[str]]:
    """The mask subscript `value` is (or a name bound to it holds), with the name it went through."""
    if isinstance(value, ast.Name):
        bound = code.reaching_value(value)
        return (bound, [value.id]) if isinstance(bound, ast.Subscript) else (None, [])
    return (value, []) if isinstance(value, ast.Subscript) else (None, [])


def _threshold_mask(code: Code, index: ast.expr) -> ast.expr | None:
    """The comparison (or `&` / `|` of comparisons) selecting the elements, through a name."""
    if isinstance(index, ast.Name):
        index = code.reaching_value(index)  # type: ignore[assignment]
    parts = _joined(index) if index is not None else []
    if parts and all(isinstance(p, ast.Compare) and len(p.ops) == 1 and isinstance(p.ops[0], COMPARISONS)
                     and not any(_attained(side) for side in (p.left, *p.comparators)) for p in parts):
        return index
    return None


def _joined(mask: ast.expr) -> list[ast.expr]:
    if isinstance(mask, ast.BinOp) and isinstance(mask.op, (ast.BitAnd, ast.BitOr)):
        return [*_joined(mask.left), *_joined(mask.right)]
    return [mask]


def _attained(side: ast.expr) -> bool:
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in ATTAINED
               for n in ast.walk(side))


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _size_checked(code: Code, use: ast.Subscript, filtered: ast.Subscript, watched: set[str]) -> bool:
    """The function holding the use tests one of these names, sizes them (apart from the use
    itself: `arange(len(p))[p > t][0]`), or catches IndexError."""
    inside_use = {*ast.walk(use), *ast.walk(filtered)}
    for node in ast.walk(code.scope_of(use)):
        if node in inside_use:
            continue
        if isinstance(node, (ast.If, ast.While, ast.IfExp, ast.Assert)) and _names(node.test) & watched:
            return True
        if isinstance(node, ast.Call) and _sized(node) and _names(node) & watched:
            return True
        if isinstance(node, ast.Attribute) and node.attr == "shape" and _names(node) & watched:
            return True
        if isinstance(node, ast.ExceptHandler) and "IndexError" in {dotted(t) for t in _caught(node)}:
            return True
    return False


def _sized(call: ast.Call) -> bool:
    spelled = call.func.attr if isinstance(call.func, ast.Attribute) else dotted(call.func)
    return spelled in SIZE_CHECKS or spelled in ("torch.numel", "torch.any", "torch.count_nonzero")


def _caught(handler: ast.ExceptHandler) -> list[ast.expr]:
    if handler.type is None:
        return [ast.Name(id="IndexError")]  # a bare except catches it too
    return list(handler.type.elts) if isinstance(handler.type, ast.Tuple) else [handler.type]
