"""A NumPy array of dtype object (`np.array(rows, dtype=object)`, `.astype(object)`: how ragged lists are
kept in NumPy) given to `torch.from_numpy` / `torch.tensor`: torch has no object dtype, "can't convert
np.ndarray of type numpy.object_". Pad the rows to one length (or keep a list of tensors) first."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, constant, dotted, keyword, source_of
from assistant.codecheck.detectors import Hit
from assistant.codecheck.detectors._calls import calls_to

name = "object-array-to-tensor"
CONVERTERS = ("torch.from_numpy", "torch.tensor", "torch.as_tensor", "torch.Tensor", "torch.FloatTensor",
              "torch.LongTensor")
OBJECT_DTYPES = ("object", "np.object_", "numpy.object_", "O")


def check(code: Code) -> Iterator[Hit]:
    for call in calls_to(code, *CONVERTERS):
        made = _object_array(code, call.args[0]) if len(call.args) == 1 else None
        if made is not None:
            yield Hit.at(code, call, f"{source_of(call)} converts an array of dtype object ({source_of(made)}, "
                         f"line {made.lineno}): torch has no object dtype; pad the rows to one length and build "
                         "a numeric array (or keep a list of tensors and pad with pad_sequence)")


def _object_array(code: Code, value: ast.expr) -> ast.Call | None:
    """The `np.array(..., dtype=object)` / `x.astype(object)` that `value` is, through a name bound above."""
    if isinstance(value, ast.Name):
        value = code.reaching_value(value)  # type: ignore[assignment]
    if not isinstance(value, ast.Call):
        return None
    if isinstance(value.func, ast.Attribute) and value.func.attr == "astype" and len(value.args) == 1:
        return value if _is_object(value.args[0]) else None
    if (code.resolved(value.func) or dotted(value.func)) in ("numpy.array", "numpy.asarray", "np.array", "np.asarray"):
        dtype = keyword(value, "dtype") or (value.args[1] if len(value.args) > 1 else None)
        return value if dtype is not None and _is_object(dtype) else None
    return None


def _is_object(dtype: ast.expr) -> bool:
    return dotted(dtype) in OBJECT_DTYPES or constant(dtype) in OBJECT_DTYPES
