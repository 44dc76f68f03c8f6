"""`.numpy()` on a tensor that requires grad (a model's output, a loss, a tensor created with
requires_grad=True) outside `torch.no_grad()`: "Can't call numpy() on Tensor that requires grad"."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, keyword, source_of
from assistant.codecheck.detectors import Hit, needs_attributes
from assistant.codecheck.detectors._losses import loss_kind
from assistant.codecheck.detectors._torch_names import model_of, without_grad
from assistant.codecheck.detectors._values import origin

name = "numpy-on-grad-tensor"
FACTORIES = ("randn", "rand", "zeros", "ones", "empty", "full", "tensor", "arange", "linspace", "randn_like",
             "zeros_like", "ones_like")


@needs_attributes("numpy")
def check(code: Code) -> Iterator[Hit]:
    for call in code.calls_of("numpy"):
        if not (isinstance(call.func, ast.Attribute) and not call.args):
            continue
        source = origin(code, call.func.value)
        why = _requires_grad(code, source)
        if why and not without_grad(code, call) and not without_grad(code, source):
            yield Hit.at(code, call, f"{source_of(call.func.value)}.numpy(): the tensor is {why}, so it "
                         "requires grad; call .detach() first (or compute it under torch.no_grad())")


def _requires_grad(code: Code, value: ast.expr) -> str | None:
    """Why the tensor `value` computes requires grad, or None when that is not certain."""
    if not isinstance(value, ast.Call):
        return None
    if keyword(value, "requires_grad") is not None and getattr(keyword(value, "requires_grad"), "value", None) is True \
            and (source_of(value.func).rpartition(".")[2] in FACTORIES):
        return f"created with requires_grad=True ({source_of(value.func)})"
    if loss_kind(code, value):
        return f"a loss ({source_of(value.func)}(...))"
    model = model_of(code, value)
    return f"the output of {source_of(value.func)} ({model})" if model else None
