"""`mean()` / `std()` / `var()` on an integer tensor (token ids, uint8 images, `torch.arange(n)`):
"mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype"."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, keyword, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._dtypes import integer_dtype

name = "float-op-on-integer-tensor"
FLOAT_ONLY = ("mean", "std", "var")


@needs_calls(*FLOAT_ONLY)
def check(code: Code) -> Iterator[Hit]:
    for call in code.calls_of(*FLOAT_ONLY):
        if not isinstance(call.func, ast.Attribute) or keyword(call, "dtype") is not None:
            continue
        dtype = integer_dtype(code, call.func.value)
        if dtype is not None:
            yield Hit.at(code, call, f"{source_of(call.func)}() on a {dtype} tensor: {call.func.attr}() needs a "
                         f"floating dtype; call .float() first ({source_of(call.func.value)}.float().{call.func.attr}(...))",
                         {"dtype": dtype})
