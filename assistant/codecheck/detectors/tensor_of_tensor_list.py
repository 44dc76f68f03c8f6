"""`torch.tensor(outputs)` on a Python list of multi-element tensors (batch outputs appended in a
loop): "only one element tensors can be converted to Python scalars". torch.stack / torch.cat join
tensors; torch.tensor builds from numbers."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, constant, dotted, source_of
from assistant.codecheck.detectors import Hit
from assistant.codecheck.detectors._calls import calls_to
from assistant.codecheck.detectors._torch_names import model_of
from assistant.codecheck.detectors._values import origin

name = "tensor-of-tensor-list"
SIZED_FACTORIES = ("randn", "rand", "zeros", "ones", "empty")
REDUCING = ("item", "sum", "mean", "max", "min", "norm", "argmax", "tolist", "numpy")


def check(code: Code) -> Iterator[Hit]:
    for call in calls_to(code, "torch.tensor", "torch.Tensor", "torch.FloatTensor", "torch.as_tensor"):
        if len(call.args) != 1:
            continue
        element = _multi_element_part(code, call.args[0])
        if element is not None:
            yield Hit.at(code, call, f"{source_of(call)} builds a tensor from a list of tensors ({source_of(element)}, "
                         f"line {element.lineno}, has more than one element): use torch.stack({source_of(call.args[0])}) "
                         f"for equal shapes or torch.cat({source_of(call.args[0])}) to join along dim 0")


def _multi_element_part(code: Code, listed: ast.expr) -> ast.expr | None:
    """A multi-element tensor that the list holds: an element of the display, or what the code
    appends to a list that starts empty."""
    if isinstance(listed, ast.List):
        return next((e for e in listed.elts if _multi_element(code, e)), None) if listed.elts else None
    if not isinstance(listed, ast.Name) or not isinstance(made := code.reaching_value(listed), ast.List) or made.elts:
        return None
    scope = code.scope_of(listed)
    for append in code.calls_of("append"):
        if dotted(append.func) == f"{listed.id}.append" and code.scope_of(append) is scope and len(append.args) == 1 \
                and _multi_element(code, append.args[0]):
            return append.args[0]
    return None


def _multi_element(code: Code, value: ast.expr) -> bool:
    """A model's batched output, or a factory tensor with a size above one."""
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in REDUCING:
        return False
    made = origin(code, value, keeping=("cpu", "cuda", "to", "detach", "clone", "float", "double", "contiguous"))
    if not isinstance(made, ast.Call):
        return False
    if model_of(code, made) is not None:
        return True
    factory = (code.resolved(made.func) or "").rpartition(".")
    sizes = made.args[0].elts if len(made.args) == 1 and isinstance(made.args[0], (ast.Tuple, ast.List)) else made.args
    return factory[0] == "torch" and factory[2] in SIZED_FACTORIES and any(isinstance(constant(s), int) and constant(s) > 1 for s in sizes)  # type: ignore[operator]
