"""The shape of a tensor made by a torch factory with every size written as an int (`torch.randn(128, 784)`,
`torch.zeros((4, 12))`), for detectors-C's detectors of inputs of the wrong rank."""

from __future__ import annotations

import ast

from assistant.codecheck._code import constant
from assistant.codecheck.detectors._torch_names import is_torch_function

FACTORIES = ("randn", "rand", "zeros", "ones", "empty")


def factory_sizes(call: ast.expr | None) -> list[int] | None:
    """The sizes of `torch.randn(100, 12)` / `torch.zeros((100, 12))`, None unless all are int literals."""
    if not isinstance(call, ast.Call) or not is_torch_function(call, *FACTORIES) or not call.args:
        return None
    sizes = call.args[0].elts if len(call.args) == 1 and isinstance(call.args[0], (ast.Tuple, ast.List)) else call.args
    numbers = [constant(s) for s in sizes]
    return numbers if all(isinstance(n, int) and not isinstance(n, bool) for n in numbers) else None  # type: ignore[return-value]
