"""`torch.tensor(t)` on something that is already a tensor: it copies and drops the graph, and
torch warns "To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone()"."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, dotted, source_of
from assistant.codecheck.detectors import Hit
from assistant.codecheck.detectors._calls import calls_to
from assistant.codecheck.detectors._torch_names import layer_call, model_of
from assistant.codecheck.detectors._values import KEEPING

name = "tensor-from-tensor"
TENSOR_FACTORIES = ("randn", "rand", "zeros", "ones", "empty", "arange", "linspace", "randint", "from_numpy", "stack",
                    "cat", "eye", "full", "randn_like", "zeros_like", "ones_like", "as_tensor", "tensor", "randperm")


def check(code: Code) -> Iterator[Hit]:
    for call in calls_to(code, "torch.tensor"):
        if len(call.args) == 1 and (made := _tensor(code, call.args[0])) is not None:
            yield Hit.at(code, call, f"torch.tensor({source_of(call.args[0])}) copies a tensor ({source_of(made)}, line "
                         f"{made.lineno}): use {source_of(call.args[0])}.detach().clone() for a copy, .to(dtype) for a "
                         "conversion, or the tensor as it is")


def _tensor(code: Code, value: ast.expr) -> ast.Call | None:
    """The call that made `value` when the code shows it is a tensor: a torch factory or a model."""
    for _ in range(10):  # through names, `self.x`, indexing and tensor methods (`self.x[i]`, `x.sum(1)`)
        if isinstance(value, ast.Subscript):
            value = value.value
        elif isinstance(value, ast.Name) or (isinstance(value, ast.Attribute) and dotted(value.value) == "self"):
            value = code.reaching_value(value) if isinstance(value, ast.Name) else layer_call(code, value)
        elif isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in KEEPING \
                and dotted(value.func.value) != "torch":
            value = value.func.value
        else:
            break
    if not isinstance(value, ast.Call):
        return None
    factory = code.resolved(value.func) or ""
    if factory.rpartition(".")[::2] in {("torch", f) for f in TENSOR_FACTORIES} or model_of(code, value):
        return value
    return None
