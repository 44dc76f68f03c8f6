"""Probabilities fed to CrossEntropyLoss: it applies log_softmax itself, so a softmax before it
squashes the gradients and training stalls (no error is raised)."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._losses import loss_calls
from assistant.codecheck.detectors._torch_names import (is_functional, is_layer, is_torch_function, forward_returns,
                                                       layer_call, layer_kind, module_classes)

name = "softmax-into-cross-entropy"


@needs_calls("softmax", "Softmax")
def check(code: Code) -> Iterator[Hit]:
    for call in loss_calls(code, "CrossEntropyLoss"):
        if call.args:
            softmax = _softmax_of(code, call.args[0])
            if softmax is not None:
                yield Hit.at(code, call, f"{source_of(call.func)}() receives softmax probabilities "
                             f"({source_of(softmax)}, line {softmax.lineno}); CrossEntropyLoss applies "
                             "log_softmax itself: pass the raw logits")


def _softmax_of(code: Code, value: ast.expr) -> ast.Call | None:
    if isinstance(value, ast.Name):
        value = code.reaching_value(value)  # type: ignore[assignment]
    if not isinstance(value, ast.Call):
        return None
    if is_functional(value, "softmax") or is_torch_function(value, "softmax"):
        return value
    if isinstance(value.func, ast.Attribute) and value.func.attr == "softmax" and (value.args or value.keywords):
        return value  # logits.softmax(dim=1)
    if is_layer(value.func, "Softmax") or layer_kind(code, value.func) == "Softmax":
        return value
    return _model_returning_softmax(code, value)


def _model_returning_softmax(code: Code, call: ast.Call) -> ast.Call | None:
    """`model(x)` where `model = Net(...)` and every return of Net.forward is a softmax."""
    built = layer_call(code, call.func)
    if not (isinstance(built, ast.Call) and isinstance(built.func, ast.Name)):
        return None
    returns = forward_returns(module_classes(code).get(built.func.id))
    found = [_softmax_of(code, r) if isinstance(r, ast.Call) else None for r in returns]
    return found[0] if found and all(found) else None
