"""`.numpy()` on a tensor that requires grad (a model's output, a loss, a tensor created with
requires_grad=True) outside `torch.no_grad()`: "Can't call numpy() on Tensor that requires grad"."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, keyword, kind_of, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._fragments import LOSS_NAMES, MODEL_NAMES, free_named
from assistant.codecheck.detectors._losses import loss_kind
from assistant.codecheck.detectors._torch_names import model_of, without_grad
from assistant.codecheck.detectors._values import origin

name = "numpy-on-grad-tensor"
FACTORIES = ("randn", "rand", "zeros", "ones", "empty", "full", "tensor", "arange", "linspace", "randn_like",
             "zeros_like", "ones_like")


@needs_calls("numpy", "array", "asarray")
def check(code: Code) -> Iterator[Hit]:
    for call in code.calls_of("numpy", "array", "asarray"):
        tensor = _converted(code, call)
        if tensor is None:
            continue
        source = origin(code, tensor)
        why = _requires_grad(code, source)
        if why and not without_grad(code, call) and not without_grad(code, source):
            shown = f"{source_of(tensor)}.numpy()" if kind_of(call) == "numpy" else f"{source_of(call.func)}({source_of(tensor)})"
            yield Hit.at(code, call, f"{shown}: the tensor is {why}, so it requires grad; call .detach() first "
                         "(or compute it under torch.no_grad())")


def _converted(code: Code, call: ast.Call) -> ast.expr | None:
    """The tensor that `t.numpy()` or `np.array(t)` / `np.asarray(t)` turns into an array."""
    if kind_of(call) == "numpy":
        return call.func.value if isinstance(call.func, ast.Attribute) and not call.args else None
    if code.resolved(call.func) in ("numpy.array", "numpy.asarray") and len(call.args) == 1 and not call.keywords:
        return call.args[0]
    return None


def _requires_grad(code: Code, value: ast.expr) -> str | None:
    """Why the tensor `value` computes requires grad, or None when that is not certain."""
    if isinstance(value, ast.BinOp):  # w * 2, (pred - y) ** 2
        return _requires_grad(code, origin(code, value.left)) or _requires_grad(code, origin(code, value.right))
    if not isinstance(value, ast.Call):
        return None
    if keyword(value, "requires_grad") is not None and getattr(keyword(value, "requires_grad"), "value", None) is True \
            and (source_of(value.func).rpartition(".")[2] in FACTORIES):
        return f"created with requires_grad=True ({source_of(value.func)})"
    if loss_kind(code, value):
        return f"a loss ({source_of(value.func)}(...))"
    model = model_of(code, value)
    if model:
        return f"the output of {source_of(value.func)} ({model})"
    if free_named(code, value.func, MODEL_NAMES):
        return f"the output of the model {source_of(value.func)}"
    return f"a loss ({source_of(value.func)}(...))" if free_named(code, value.func, LOSS_NAMES) else None
