"""NumPy and list spellings used on a torch tensor: `t.astype(np.float32)`, `t.append(x)`,
`t.copy()`, `loss.backwards()`, `dtype=np.float32` given to torch: "'Tensor' object has no
attribute 'astype'", "argument 'dtype' must be torch.dtype, not type"."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from assistant.codecheck._code import Code, dotted, keyword, source_of
from assistant.codecheck.detectors import Hit
from assistant.codecheck.detectors._fragments import free_named
from assistant.codecheck.detectors._loaders import batch_targets, loader_call
from assistant.codecheck.detectors._tensor_dtypes import dtype_of
from assistant.codecheck.detectors._torch_names import model_of

name = "numpy-spelling-on-tensor"
LOADER_NAMES = re.compile(r"^(train_|val_|valid_|test_|data)?loader$")
INSTEAD = {"astype": ".to(torch.float32) or .float()", "append": "torch.cat([...]) or torch.stack([...]) on a list",
           "copy": ".clone()"}


def check(code: Code) -> Iterator[Hit]:
    for call in code.calls:
        if not isinstance(call.func, ast.Attribute):
            continue
        method = call.func.attr
        if method == "backwards":
            yield Hit.at(code, call, f"{source_of(call.func)}(): tensors have backward(), without the s")
        elif method in INSTEAD and _is_tensor(code, call.func.value):
            yield Hit.at(code, call, f"{source_of(call.func.value)} is a torch tensor, which has no .{method}() "
                         f"(a NumPy/list spelling); use {INSTEAD[method]}")
        elif (dtype := _numpy_dtype_given(code, call)) is not None:
            yield Hit.at(code, call, f"{source_of(call.func)}(...) is given the NumPy dtype {source_of(dtype)}; "
                         f"torch wants a torch dtype (torch.{source_of(dtype).rpartition('.')[2]})")


def _is_tensor(code: Code, value: ast.expr) -> bool:
    """The code shows the value is a torch tensor: a dtype is known for it, or a model made it."""
    if _from_numpy_array(code, value):
        return False
    if dtype_of(code, value) is not None:
        return True
    if isinstance(value, ast.Name) and _batch_of_a_loader(code, value):
        return True
    if isinstance(value, ast.Name):
        value = code.reaching_value(value)  # type: ignore[assignment]
    return isinstance(value, ast.Call) and model_of(code, value) is not None  # not an item of it: outputs may be tuples


def _from_numpy_array(code: Code, value: ast.expr) -> bool:
    """A method chain on a name the code bound to `t.numpy()` (`probs = out.numpy()`, then
    `probs.argmax(-1).astype(...)`): a NumPy array, whatever torch call made it."""
    while isinstance(value, (ast.Call, ast.Attribute, ast.Subscript)):
        value = value.func if isinstance(value, ast.Call) else value.value
    bound = code.reaching_value(value) if isinstance(value, ast.Name) else None
    return isinstance(bound, ast.Call) and isinstance(bound.func, ast.Attribute) and bound.func.attr == "numpy"


def _batch_of_a_loader(code: Code, name: ast.Name) -> bool:
    """A loop variable over a DataLoader (built in the file, or a fragment's free `train_loader`):
    the default collate hands out tensors, even for NumPy samples."""
    for loop in code.ancestors(name):
        if isinstance(loop, (ast.For, ast.AsyncFor)) and (found := batch_targets(loop)) is not None:
            target, iterated = found
            if name.id in {n.id for n in ast.walk(target) if isinstance(n, ast.Name)} \
                    and code.reaching_value(name) is None:
                loader = loader_call(code, iterated)
                if loader is not None:
                    return keyword(loader, "collate_fn") is None
                return free_named(code, iterated, LOADER_NAMES)
    return False


def _numpy_dtype_given(code: Code, call: ast.Call) -> ast.expr | None:
    """`torch.zeros(3, dtype=np.float32)` or `t.to(np.float32)`: a NumPy dtype into torch."""
    spelt = keyword(call, "dtype") or (call.args[0] if call.func.attr in ("to", "type") and call.args else None)  # type: ignore[union-attr]
    if spelt is None or not (dotted(spelt) or "").startswith(("np.", "numpy.")) and not isinstance(spelt, ast.Name):
        return None
    into_torch = (code.resolved(call.func) or "").startswith("torch.") or (
        call.func.attr in ("to", "type") and _is_tensor(code, call.func.value))  # type: ignore[union-attr]
    if not into_torch:
        return None
    given = keyword(call, "dtype") or (call.args[0] if call.func.attr in ("to", "type") and call.args else None)  # type: ignore[union-attr]
    resolved = code.resolved(given) if given is not None else None
    return given if resolved is not None and resolved.startswith("numpy.") and dotted(given) else None
