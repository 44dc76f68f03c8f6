"""What a tensor expression is known to be, followed through names and grad-keeping methods."""

from __future__ import annotations

import ast

from assistant.codecheck._code import Code, dotted

# Methods whose result keeps the tensor's requires_grad and its dtype's kind: `.cpu()`, `[0]`, ...
KEEPING = ("cpu", "cuda", "to", "squeeze", "unsqueeze", "view", "reshape", "flatten", "contiguous", "clone",
           "t", "transpose", "permute", "float", "double", "half", "sum", "mean", "max", "min", "exp", "sigmoid",
           "softmax", "log_softmax", "argmax")


def origin(code: Code, value: ast.expr, keeping: tuple[str, ...] = KEEPING) -> ast.expr:
    """The expression `value` comes from: through names bound in straight-line code, subscripts and
    the `keeping` methods (`out.cpu()[0]` comes from what `out` holds)."""
    for _ in range(20):  # a chain longer than this is not worth following
        if isinstance(value, ast.Name) and (bound := code.reaching_value(value)) is not None:
            value = bound
        elif isinstance(value, ast.Subscript):
            value = value.value
        elif (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in keeping
              and dotted(value.func.value) not in ("torch", "F", "np", "numpy")):
            value = value.func.value
        else:
            return value
    return value
