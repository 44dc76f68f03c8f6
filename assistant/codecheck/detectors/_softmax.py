"""Where a tensor is softmax probabilities: a softmax call, an nn.Softmax layer, an nn.Sequential
that ends in one, or a model of this file whose forward returns only such values. Shared by the
loss detectors (CrossEntropyLoss and NLLLoss both want something else)."""

from __future__ import annotations

import ast

from assistant.codecheck._code import Code
from assistant.codecheck.detectors._torch_names import (forward_returns, is_functional, is_layer, is_torch_function,
                                                       layer_call, layer_kind, module_classes)


def softmax_of(code: Code, value: ast.expr | None, depth: int = 0) -> ast.Call | None:
    """The softmax call (or Softmax layer construction) whose output `value` is, or None."""
    if depth > 4:
        return None
    if isinstance(value, ast.Name):
        value = code.reaching_value(value)
    if not isinstance(value, ast.Call):
        return None
    if is_functional(value, "softmax") or is_torch_function(value, "softmax"):
        return value
    if isinstance(value.func, ast.Attribute) and value.func.attr == "softmax" and (value.args or value.keywords):
        return value  # logits.softmax(dim=1)
    if is_layer(value.func, "Softmax") or layer_kind(code, value.func) == "Softmax":
        return value
    built = layer_call(code, value.func)
    if is_layer(built, "Sequential") and built.args and is_layer(built.args[-1], "Softmax"):  # type: ignore[union-attr]
        return built.args[-1]  # type: ignore[union-attr, return-value]
    return _model_returning_softmax(code, built, depth)


def _model_returning_softmax(code: Code, built: ast.expr | None, depth: int) -> ast.Call | None:
    """`model(x)` where `model = Net(...)` and every return of Net.forward is a softmax."""
    if not (isinstance(built, ast.Call) and isinstance(built.func, ast.Name)):
        return None
    returns = forward_returns(module_classes(code).get(built.func.id))
    found = [softmax_of(code, r, depth + 1) for r in returns]
    return found[0] if found and all(found) else None
