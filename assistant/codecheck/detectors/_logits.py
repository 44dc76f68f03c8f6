"""Models whose output is raw logits: an nn.Sequential ending in a Linear, or a module class of
the file whose forward returns only what one of its Linear layers computes. Losses that want
probabilities or log-probabilities (NLLLoss, BCELoss) must not get them."""

from __future__ import annotations

import ast

from assistant.codecheck._code import Code, kind_of
from assistant.codecheck.detectors._torch_names import forward_returns, is_layer, module_classes


def ends_in_linear(code: Code, built: ast.expr | None) -> bool:
    """A Linear, an nn.Sequential display whose last layer is one, or a module class of this file
    whose forward returns only `self.<a Linear, or an nn.Sequential ending in one>(...)` (directly or
    through a name)."""
    if not isinstance(built, ast.Call):
        return False
    if is_layer(built, "Linear"):
        return True
    if is_layer(built, "Sequential"):
        return bool(built.args) and is_layer(built.args[-1], "Linear")
    cls = module_classes(code).get(kind_of(built)) if isinstance(built.func, ast.Name) else None
    returns = [code.reaching_value(r) if isinstance(r, ast.Name) else r for r in forward_returns(cls)]
    return bool(returns) and all(isinstance(r, ast.Call) and _linear_or_sequential_of_one(
        code.attribute_value(cls, _self_attribute(r))) for r in returns)  # type: ignore[arg-type]


def _linear_or_sequential_of_one(built: ast.expr | None) -> bool:
    """`nn.Linear(...)`, or `nn.Sequential(..., nn.Linear(...))`: what `self.net(x)` returns logits of."""
    return is_layer(built, "Linear") or (is_layer(built, "Sequential") and bool(built.args)  # type: ignore[union-attr]
                                         and is_layer(built.args[-1], "Linear"))  # type: ignore[union-attr]


def _self_attribute(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self" else ""
