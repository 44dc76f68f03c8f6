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
from assistant.codecheck.detectors._unpacked import known_value
from assistant.codecheck.detectors._values import origin

name = "tensor-of-tensor-list"
SIZED_FACTORIES = ("randn", "rand", "zeros", "ones", "empty")
REDUCING = ("item", "sum", "mean", "max", "min", "norm", "argmax", "tolist", "numpy")
ALONG_A_DIM = ("sum", "mean", "argmax", "norm")  # max/min along a dim give (values, indices)


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
    if not isinstance(listed, ast.Name) or not _starts_empty(code, listed):
        return None
    scope = code.scope_of(listed)
    for append in code.calls_of("append"):
        if dotted(append.func) == f"{listed.id}.append" and code.scope_of(append) is scope and len(append.args) == 1 \
                and _multi_element(code, append.args[0]):
            return append.args[0]
    return None


def _starts_empty(code: Code, listed: ast.Name) -> bool:
    """The list is made empty just above (`preds = []`), or by the one unpacking that binds it in its
    scope (`preds, labels = [], []`)."""
    made = known_value(code, listed)
    return isinstance(made, ast.List) and not made.elts


def _multi_element(code: Code, value: ast.expr) -> bool:
    """A model's batched output, or a factory tensor with a size above one; reduced along one
    dimension (`out.argmax(dim=1)`), a batch's output still holds one value per sample."""
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in REDUCING:
        along_a_dim = value.func.attr in ALONG_A_DIM and (value.args or any(k.arg == "dim" for k in value.keywords))
        return bool(along_a_dim) and _multi_element(code, value.func.value)
    made = origin(code, value, keeping=("cpu", "cuda", "to", "detach", "clone", "float", "double", "contiguous"))
    if not isinstance(made, ast.Call):
        return False
    if model_of(code, made) is not None or _module_on_a_batch(code, made):
        return True
    factory = (code.resolved(made.func) or "").rpartition(".")
    sizes = made.args[0].elts if len(made.args) == 1 and isinstance(made.args[0], (ast.Tuple, ast.List)) else made.args
    return factory[0] == "torch" and factory[2] in SIZED_FACTORIES and any(isinstance(constant(s), int) and constant(s) > 1 for s in sizes)  # type: ignore[operator]


MODULE_METHODS = ("eval", "train", "parameters", "named_parameters", "state_dict", "load_state_dict")


def _module_on_a_batch(code: Code, call: ast.Call) -> bool:
    """`model(xb)` in `for xb, yb in loader:` where the file calls `model.eval()` (or another method
    only modules have): a model's output for a batch, one row per sample."""
    if not isinstance(call.func, ast.Name) or len(call.args) != 1 or not isinstance(call.args[0], ast.Name):
        return False
    module = call.func.id
    is_module = any(isinstance(c.func, ast.Attribute) and dotted(c.func.value) == module
                    for c in code.calls_of(*MODULE_METHODS))
    batch = call.args[0].id
    from_a_loop = any(isinstance(loop, (ast.For, ast.AsyncFor)) and batch in {dotted(t) for t in _targets(loop.target)}
                      for loop in code.ancestors(call))
    return is_module and from_a_loop


def _targets(target: ast.expr) -> list[ast.expr]:
    return [e for element in target.elts for e in _targets(element)] if isinstance(target, ast.Tuple) else [target]

