"""`torch.tensor(t)` on a tensor `t` builds a detached copy and warns that the intent is unclear.
`t.detach().clone()` is that same copy, said plainly (`.to(...)` adds the dtype or device that
was asked for), so values, dtype, device and the break from autograd stay what they were. The
warning names no line, so the recipe rewrites the calls whose argument the code shows to be a
tensor: built by a torch function, by a tensor method, or indexed from one.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem
from assistant.repair.recipes._edit import Edits, Script, callee, dotted, expr, positional

name = "detach-clone-copy"
_KEYWORDS = ("dtype", "device")
_NOT_TENSORS = ("tolist", "item", "numpy", "size", "dim", "numel", "keys", "values", "items")
_NOT_TENSOR_MAKERS = ("torch.nn.", "torch.utils.", "torch.optim.", "torch.distributed.", "torch.cuda.",
                      "torch.backends.", "torch.jit.", "torch.autograd.", "torch.load", "torch.device",
                      "torch.Generator", "torch.no_grad", "torch.Size", "torch.finfo", "torch.iinfo", "torch.is_")
_DEPTH = 6  # how many bindings and method calls back a value is followed


def match(problem: Problem) -> list[cst.Call] | None:
    """The `torch.tensor(x, [dtype=..., device=...])` calls whose `x` is known to be a tensor."""
    script = problem.script
    copies = [call for call in script.calls() if callee(call) == "torch.tensor" and _copies_a_tensor(script, call)]
    return copies or None


def apply(problem: Problem, copies: list[cst.Call]) -> Edits:
    script, edits = problem.script, problem.edits()
    for call in copies:
        source = script.with_method(positional(call)[0].value, "detach()")
        conversion = ", ".join(f"{arg.keyword.value}={script.code(arg.value)}" for arg in call.args
                               if arg.keyword is not None)
        edits.replace(call, expr(f"{script.code(source)}.clone()" + (f".to({conversion})" if conversion else "")))
    return edits


def _copies_a_tensor(script: Script, call: cst.Call) -> bool:
    """`torch.tensor(x)` with at most a dtype and a device, and `x` a tensor."""
    args = positional(call)
    only_conversions = all(arg.keyword is None and not arg.star or arg.keyword is not None
                           and arg.keyword.value in _KEYWORDS for arg in call.args)
    return len(args) == 1 and only_conversions and _is_tensor(script, args[0].value, _DEPTH)


def _is_tensor(script: Script, node: cst.BaseExpression, depth: int) -> bool:
    """Whether the expression is a tensor by how it was made (a torch function's result, a tensor
    method's, an index into a tensor, a name bound to one of those)."""
    if depth == 0:
        return False
    if isinstance(node, cst.Subscript):
        return _is_tensor(script, node.value, depth - 1)
    if isinstance(node, (cst.Name, cst.Attribute)) and (bound := script.bindings.get(dotted(node) or "")):
        return _is_tensor(script, bound, depth - 1)
    if isinstance(node, cst.Call):
        name = callee(node) or ""
        if name.startswith("torch."):
            return not name.startswith(_NOT_TENSOR_MAKERS)
        return (isinstance(node.func, cst.Attribute) and node.func.attr.value not in _NOT_TENSORS
                and _is_tensor(script, node.func.value, depth - 1))
    return False
