"""`mean()` / `std()` / `var()` on an integer tensor (token ids, uint8 images, `torch.arange(n)`):
"mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype"."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, keyword, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._declared_dtypes import declared_dtype
from assistant.codecheck.detectors._dtypes import integer_dtype
from assistant.codecheck.detectors._tensor_dtypes import is_integer

name = "float-op-on-integer-tensor"
FLOAT_ONLY = ("mean", "std", "var")


@needs_calls(*FLOAT_ONLY)
def check(code: Code) -> Iterator[Hit]:
    for call in code.calls_of(*FLOAT_ONLY):
        if not isinstance(call.func, ast.Attribute) or keyword(call, "dtype") is not None:
            continue
        dtype = integer_dtype(code, call.func.value) or _declared_integer(code, call.func.value)
        if dtype is not None:
            yield Hit.at(code, call, f"{source_of(call.func)}() on a {dtype} tensor: {call.func.attr}() needs a "
                         f"floating dtype; call .float() first ({source_of(call.func.value)}.float().{call.func.attr}(...))",
                         {"dtype": dtype})


def _declared_integer(code: Code, value: ast.expr) -> str | None:
    """An integer dtype the comment of the name's binding declares (`counts = torch.tensor(col)  # int64`):
    data read from files and frames shows its dtype only there."""
    dtype = declared_dtype(code, value) if isinstance(value, ast.Name) else None
    return dtype if is_integer(dtype) else None
