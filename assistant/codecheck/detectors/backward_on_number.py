"""`.backward()` on something that is not a tensor: a Python number (the loss went through
`.item()` or `float()`), or the tuple a loss function returns ("'tuple' object has no attribute
'backward'")."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, kind_of, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._training import backward_calls, own_nodes

name = "backward-on-number"


@needs_calls("backward")
def check(code: Code) -> Iterator[Hit]:
    for call, tensor, made in backward_calls(code):
        if isinstance(made, ast.Call) and (kind_of(made) in ("item", "tolist") and isinstance(made.func, ast.Attribute)
                                           or isinstance(made.func, ast.Name) and made.func.id == "float"):
            yield Hit.at(code, call, f"{source_of(tensor)} is a Python number ({source_of(made)}), not a tensor: "
                         "call backward() on the loss tensor, and .item() only for logging")
        elif (function := _returning_tuples(code, made)) is not None:
            yield Hit.at(code, call, f"{source_of(tensor)} is the tuple that {function}() returns, not a tensor: "
                         f"unpack it (loss, *rest = {function}(...)) and call backward() on the loss")


def _returning_tuples(code: Code, made: ast.expr | None) -> str | None:
    """The name of the function of this file that `made` calls, when every return of it is a tuple."""
    if not (isinstance(made, ast.Call) and isinstance(made.func, ast.Name)):
        return None
    function = next((f for f in code.functions if f.name == made.func.id), None)
    returns = [n.value for n in own_nodes(function.body) if isinstance(n, ast.Return)] if function else []
    return made.func.id if returns and all(isinstance(r, ast.Tuple) and len(r.elts) > 1 for r in returns) else None
