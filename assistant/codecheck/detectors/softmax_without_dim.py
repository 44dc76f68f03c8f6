"""softmax / log_softmax / softmin called without `dim`: torch picks the axis from the input's rank
(dim 0 for 0-D, 1-D and 3-D inputs), which for a [batch, seq, classes] tensor is the batch."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, callee, has_star_arguments, keyword, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._torch_names import is_functional, is_layer, is_torch_function

name = "softmax-without-dim"
FUNCTIONS = ("softmax", "log_softmax", "softmin")
LAYERS = {"Softmax": "softmax", "LogSoftmax": "log_softmax", "Softmin": "softmin"}
NAMES = frozenset(FUNCTIONS).union(LAYERS)


@needs_calls(*FUNCTIONS, *LAYERS)
def check(code: Code) -> Iterator[Hit]:
    for call in code.calls_of(*NAMES):
        if has_star_arguments(call) or keyword(call, "dim") is not None:
            continue
        function = _function_without_dim(call)
        if function is not None:
            yield Hit.at(code, call, f"{source_of(call.func)}() is called without dim: PyTorch picks the axis "
                         "from the input's rank (dim 0 for a 3-D [batch, seq, classes] input); pass dim=-1 "
                         "for the class axis", {"function": function})


def _function_without_dim(call: ast.Call) -> str | None:
    """The function's name when this call leaves out dim, else None."""
    positional = len(call.args)
    if is_functional(call, *FUNCTIONS) and positional == 1:
        return callee(call).rpartition(".")[2]  # type: ignore[union-attr]
    if is_torch_function(call, *FUNCTIONS) and positional == 1 and not call.keywords:
        return callee(call).rpartition(".")[2]  # type: ignore[union-attr]
    if is_layer(call, *LAYERS) and positional == 0 and not call.keywords:
        return LAYERS[callee(call).rpartition(".")[2]]  # type: ignore[union-attr]
    return None

