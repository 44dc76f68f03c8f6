"""Hand-made tensors that require grad: whether a name holds a leaf (`torch.randn(..., requires_grad=True)`)
or a result computed from one (`... * 0.01`, `.to(device)`, `.cuda()`), which is not a leaf."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from assistant.codecheck._code import Code, constant, keyword

FACTORIES = ("randn", "rand", "zeros", "ones", "empty", "full", "tensor", "arange", "linspace", "eye", "normal",
             "randn_like", "zeros_like", "ones_like", "empty_like")
COMPUTING = ("to", "cuda", "double", "float", "half", "mul", "add", "div", "t", "view", "reshape", "clone")


@dataclass(frozen=True)
class GradTensor:
    leaf: bool
    factory: ast.Call  # the torch.<factory>(..., requires_grad=True) call


def grad_tensor(code: Code, value: ast.expr | None) -> GradTensor | None:
    """What `value` (followed through names bound in straight-line code) is, if it is built from a
    torch factory call with requires_grad=True; None for anything else."""
    if isinstance(value, ast.Name):
        value = code.reaching_value(value)
    if _requires_grad_factory(code, value):
        return GradTensor(True, value)  # type: ignore[arg-type]
    for inner in _computed_from(value):
        if (found := grad_tensor(code, inner)) is not None:
            return GradTensor(False, found.factory)
    return None


def _requires_grad_factory(code: Code, value: ast.expr | None) -> bool:
    return isinstance(value, ast.Call) and (code.resolved(value.func) or "").rpartition(".")[::2] in {
        ("torch", f) for f in FACTORIES} and constant(keyword(value, "requires_grad")) is True


def _computed_from(value: ast.expr | None) -> list[ast.expr]:
    """The tensor operands of arithmetic or of a computing method (`(w - mean) / std`, `w.to(device)`)."""
    if isinstance(value, ast.BinOp):
        return [side for side in (value.left, value.right) if isinstance(side, (ast.Call, ast.Name, ast.BinOp))]
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in COMPUTING:
        return [value.func.value]
    return []
