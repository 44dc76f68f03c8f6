"""`torch.log(p)` (or `log(1 - p)`) of a sigmoid or softmax output, without a clamp or an epsilon: a
saturated probability is exactly 0.0 (or 1.0) in floating point, its log is -inf, and the hand-written
loss turns NaN (`0 * -inf`), with no error. log_softmax / logsigmoid / the *_with_logits losses
compute the same values stably."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, constant, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._torch_names import is_functional, is_layer, is_torch_function, layer_kind

name = "log-of-unclamped-probability"
_SQUASHES = ("sigmoid", "softmax")
_SHAPE_ONLY = ("squeeze", "unsqueeze", "view", "reshape", "flatten", "contiguous", "float", "double", "t",
               "transpose", "permute")
_STABLE = {"sigmoid": "F.logsigmoid(logits) (and F.binary_cross_entropy_with_logits for a BCE)",
           "softmax": "F.log_softmax(logits, dim=...)"}


@needs_calls("log", "log2", "log10")
def check(code: Code) -> Iterator[Hit]:
    reported: set[int] = set()
    for call in code.calls_of("log", "log2", "log10"):
        logged = _logged_value(code, call)
        squash = _probability(code, logged) if logged is not None else None
        if squash is not None and call.lineno not in reported:  # log(p) and log(1 - p) of one BCE: once
            reported.add(call.lineno)
            kind = _squash_kind(code, squash)
            clamped = f"({source_of(logged)})" if isinstance(logged, ast.BinOp) else source_of(logged)
            yield Hit.at(code, call, f"{source_of(call)} takes the log of {kind} output ({source_of(squash)}, "
                         f"line {squash.lineno}) with no clamp: a saturated probability is exactly 0, its log is "
                         f"-inf and the loss becomes NaN; use {_STABLE[kind]}, or clamp first "
                         f"({clamped}.clamp(min=1e-7))")


def _logged_value(code: Code, call: ast.Call) -> ast.expr | None:
    """The tensor that `torch.log(x)` / `x.log()` takes the log of."""
    if is_torch_function(call, "log", "log2", "log10") and len(call.args) == 1:
        return call.args[0]
    if isinstance(call.func, ast.Attribute) and not call.args and not call.keywords \
            and code.resolved(call.func.value) not in ("math", "numpy", "torch"):
        return call.func.value
    return None


def _probability(code: Code, value: ast.expr, depth: int = 0) -> ast.Call | None:
    """The sigmoid/softmax call whose output (or one minus it) `value` certainly is."""
    if depth > 8:
        return None
    if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Sub) and constant(value.left) in (1, 1.0):
        return _probability(code, value.right, depth + 1)  # log(1 - p)
    if isinstance(value, ast.Name):
        bound = code.reaching_value(value)
        return _probability(code, bound, depth + 1) if bound is not None else None
    if isinstance(value, ast.Subscript):
        return _probability(code, value.value, depth + 1)
    if not isinstance(value, ast.Call):
        return None
    if _squash_kind(code, value):
        return value
    if isinstance(value.func, ast.Attribute) and value.func.attr in _SHAPE_ONLY:
        return _probability(code, value.func.value, depth + 1)
    return None


def _squash_kind(code: Code, call: ast.Call) -> str | None:
    """`sigmoid` or `softmax` for a call computing one (a function, a method or an nn layer)."""
    for kind in _SQUASHES:
        if is_functional(call, kind) or is_torch_function(call, kind):
            return kind
        if isinstance(call.func, ast.Attribute) and call.func.attr == kind and code.resolved(call.func.value) is None:
            return kind  # logits.sigmoid(), logits.softmax(dim=1)
        if layer_kind(code, call.func) == kind.capitalize() or is_layer(call.func, kind.capitalize()):
            return kind
    return None
