"""`.backward()` on a Python number: the loss went through `.item()` or `float()` on the way,
"'float' object has no attribute 'backward'"."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, kind_of, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._training import backward_calls

name = "backward-on-number"


@needs_calls("backward")
def check(code: Code) -> Iterator[Hit]:
    for call, tensor, made in backward_calls(code):
        if isinstance(made, ast.Call) and (kind_of(made) in ("item", "tolist") and isinstance(made.func, ast.Attribute)
                                           or isinstance(made.func, ast.Name) and made.func.id == "float"):
            yield Hit.at(code, call, f"{source_of(tensor)} is a Python number ({source_of(made)}), not a tensor: "
                         "call backward() on the loss tensor, and .item() only for logging")
