"""Code moved from NumPy to torch keeps NumPy's spellings, which tensors do not have: `astype`
(torch's `.to(dtype)`), `copy()` (`clone()`), NumPy dtypes given to torch factories
(`dtype=np.float32`), and the typo `backwards()`. Each has one torch equivalent that computes the
same thing, so the recipe rewrites the spellings on the failing line to it and leaves the rest of
the code, which may use NumPy on purpose, alone.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._edit import Edits, Script, dotted, expr, imported_modules, keyword, positional

name = "torch-spelling"
_NUMPY = ("np", "numpy")
_DTYPES = {"float16", "float32", "float64", "bfloat16", "int8", "int16", "int32", "int64", "uint8", "bool",
           "complex64", "complex128"}
_PYTHON_TYPES = {"float": "float64", "int": "int64", "bool": "bool"}  # what NumPy makes of them
Rewrite = tuple[cst.CSTNode, cst.CSTNode]


@needs_failing_line
def match(problem: Problem) -> list[Rewrite] | None:
    """The NumPy spellings on the innermost failing line that has any, each with its torch one."""
    script = problem.script
    if "torch" not in imported_modules(script):
        return None
    for line in reversed(problem.facts.user_lines):
        found = [rewrite for call in script.calls_on(line) for rewrite in _rewrites(script, call)]
        if found:
            return found
    return None


def apply(problem: Problem, rewrites: list[Rewrite]) -> Edits:
    edits = problem.edits()
    for old, new in rewrites:
        edits.replace(old, new)
    return edits


def _rewrites(script: Script, call: cst.Call) -> list[Rewrite]:
    found: list[Rewrite] = []
    if isinstance(call.func, cst.Attribute):
        method = call.func.attr.value
        args = positional(call)
        if method == "astype" and len(args) == 1 and len(call.args) == 1 and (dtype := _torch_dtype(args[0].value)):
            found.append((call.func.attr, cst.Name("to")))
            found.append((args[0].value, expr(dtype)))
        elif method == "copy" and not call.args:
            found.append((call.func.attr, cst.Name("clone")))
        elif method == "backwards":
            found.append((call.func.attr, cst.Name("backward")))
    if (dotted(call.func) or "").startswith("torch.") and (given := keyword(call, "dtype")) is not None:
        if (dtype := _torch_dtype(given.value)) and (dotted(given.value) or "").split(".")[0] in _NUMPY:
            found.append((given.value, expr(dtype)))
    return found


def _torch_dtype(node: cst.BaseExpression) -> str | None:
    """`torch.float32` for `np.float32`, `"float32"`, `numpy.float32` or `float`."""
    if isinstance(node, cst.SimpleString):
        name = node.evaluated_value
    elif (spelt := dotted(node)) is not None:
        module, _, name = spelt.rpartition(".")
        if module and module not in _NUMPY:
            return None
        if not module:
            name = _PYTHON_TYPES.get(name, "")
    else:
        return None
    name = name.rstrip("_")  # np.bool_
    return f"torch.{name}" if name in _DTYPES else None
