"""`.backward()` without a gradient argument on a tensor that is not a scalar: a loss built with
reduction="none" (times weights, say) or a model's batched output. "grad can be implicitly created
only for scalar outputs"."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, constant, keyword, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._fragments import MODEL_NAMES, free_named
from assistant.codecheck.detectors._losses import loss_kind, loss_options
from assistant.codecheck.detectors._torch_names import model_of

name = "backward-on-unreduced"
ELEMENTWISE = (ast.Mult, ast.Add, ast.Sub, ast.Div, ast.Pow)
ELEMENTWISE_FUNCTIONS = ("log", "exp", "abs", "sqrt", "sigmoid", "tanh", "square", "pow", "clamp", "neg")


@needs_calls("backward")
def check(code: Code) -> Iterator[Hit]:
    for call in code.calls_of("backward"):
        if not isinstance(call.func, ast.Attribute) or call.args or call.keywords:
            continue
        why = _not_scalar(code, call.func.value, depth=0)
        if why:
            yield Hit.at(code, call, f"{source_of(call.func.value)}.backward() on a tensor that is not a scalar "
                         f"({why}): reduce it first, e.g. {source_of(call.func.value)}.mean().backward()")


def _not_scalar(code: Code, value: ast.expr, depth: int) -> str | None:
    if depth > 10:
        return None
    if isinstance(value, ast.Name):
        bound = code.reaching_value(value)
        return _not_scalar(code, bound, depth + 1) if bound is not None else None
    if isinstance(value, ast.BinOp) and isinstance(value.op, ELEMENTWISE):
        return _not_scalar(code, value.left, depth + 1) or _not_scalar(code, value.right, depth + 1)
    if isinstance(value, ast.UnaryOp) and isinstance(value.op, ast.USub):
        return _not_scalar(code, value.operand, depth + 1)
    if not isinstance(value, ast.Call):
        return None
    if isinstance(value.func, ast.Attribute) and value.func.attr in ("sum", "mean") and _along_a_dim(value):
        return _not_scalar(code, value.func.value, depth + 1)  # loss.mean(dim=1) still has the batch dim
    if code.resolved(value.func) in {f"torch.{f}" for f in ELEMENTWISE_FUNCTIONS} and value.args:
        return _not_scalar(code, value.args[0], depth + 1)  # torch.log(pred) keeps pred's shape
    if isinstance(value.func, ast.Attribute) and value.func.attr in ELEMENTWISE_FUNCTIONS:
        return _not_scalar(code, value.func.value, depth + 1)
    if loss_kind(code, value) is not None and _reduces_nothing(code, value):
        return f'{source_of(value.func)}(..., reduction="none") gives one loss per element'
    model = model_of(code, value)
    if model:
        return f"the batched output of {source_of(value.func)} ({model})"
    return f"the batched output of {source_of(value.func)}" if free_named(code, value.func, MODEL_NAMES) else None


def _along_a_dim(call: ast.Call) -> bool:
    """`.mean(1)` / `.sum(dim=-1)`: a reduction over one dimension, not to a scalar."""
    dim = call.args[0] if call.args else keyword(call, "dim")
    return dim is not None and isinstance(constant(dim), int)


def _reduces_nothing(code: Code, call: ast.Call) -> bool:
    reduction = keyword(call, "reduction")
    if reduction is None and (options := loss_options(code, call)) is not None:
        reduction = keyword(options, "reduction")
    return reduction is not None and constant(reduction) == "none"
