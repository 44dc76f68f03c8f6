"""`.view(...)` on the result of `transpose` / `permute` / `.t()` / `.mT`: the result is not
contiguous, and view() cannot merge dimensions that are not adjacent in memory."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, kind_of, source_of
from assistant.codecheck.detectors import Hit, needs_calls

name = "view-after-transpose"
NOT_CONTIGUOUS = ("transpose", "permute", "t", "swapaxes", "swapdims", "movedim")


@needs_calls("view")
def check(code: Code) -> Iterator[Hit]:
    for call in code.calls_of("view"):
        if not call.args or not isinstance(call.func, ast.Attribute):
            continue
        if _merges_dimensions(call) and (made := _transposed(code, call.func.value)) is not None:
            yield Hit.at(code, call, f"{source_of(call.func)}(...) follows {kind_of(made)}() (line {made.lineno}), "
                         "whose result is not contiguous: view() cannot reshape it; use .reshape(...) or "
                         ".contiguous().view(...)")


def _merges_dimensions(view: ast.Call) -> bool:
    """A view to fewer or other dimensions; `.view(dtype)` reinterprets bytes and is not at issue."""
    return not (len(view.args) == 1 and isinstance(view.args[0], ast.Attribute))


def _transposed(code: Code, value: ast.expr) -> ast.Call | None:
    """The transpose/permute call whose result `value` is: the call itself or a name bound to it."""
    if isinstance(value, ast.Name):
        value = code.reaching_value(value)  # type: ignore[assignment]
    if isinstance(value, ast.Call) and kind_of(value) in NOT_CONTIGUOUS and isinstance(value.func, ast.Attribute):
        return value
    return None
