"""`torch.from_numpy` on a flipped NumPy view (`img[:, :, ::-1]`, `np.flip(a)`): negative strides
are not supported ("At least one stride in the given numpy array is negative")."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, constant, source_of
from assistant.codecheck.detectors import Hit
from assistant.codecheck.detectors._calls import calls_to

name = "from-numpy-flipped"
FLIPS = ("numpy.flip", "numpy.fliplr", "numpy.flipud")


def check(code: Code) -> Iterator[Hit]:
    for call in calls_to(code, "torch.from_numpy", "torch.as_tensor"):
        if call.args and (flipped := _flipped(code, call.args[0])) is not None:
            yield Hit.at(code, call, f"{source_of(flipped)} has negative strides, which torch.from_numpy cannot "
                         "share: copy it first (np.ascontiguousarray(...) or .copy())")


def _flipped(code: Code, value: ast.expr) -> ast.expr | None:
    if isinstance(value, ast.Name):
        value = code.reaching_value(value)  # type: ignore[assignment]
    if isinstance(value, ast.Subscript):
        parts = value.slice.elts if isinstance(value.slice, ast.Tuple) else [value.slice]
        if any(isinstance(p, ast.Slice) and p.step is not None and isinstance(constant(p.step), int)
               and constant(p.step) < 0 for p in parts):  # type: ignore[operator]
            return value
    if isinstance(value, ast.Call) and code.resolved(value.func) in FLIPS:
        return value
    return None
