"""A manual weight update on a requires_grad leaf outside torch.no_grad() (`w -= lr * w.grad`,
`w.add_(...)`): "a leaf Variable that requires grad is being used in an in-place operation"."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, source_of
from assistant.codecheck.detectors import Hit
from assistant.codecheck.detectors._leaves import grad_tensor
from assistant.codecheck.detectors._torch_names import without_grad

name = "inplace-on-leaf"
NOT_INPLACE = ("requires_grad_", "retain_grad", "share_memory_")


def check(code: Code) -> Iterator[Hit]:
    for node in (*code.calls, *code.nodes_of(ast.AugAssign)):
        target = _updated(node)
        if target is None or without_grad(code, node):
            continue
        found = grad_tensor(code, target)
        if found is not None and found.leaf:
            yield Hit.at(code, node, f"{source_of(node).splitlines()[0]} changes {target.id} in place, a leaf that "
                         "requires grad: do the update under `with torch.no_grad():`")


def _updated(node: ast.AST) -> ast.Name | None:
    """The tensor name an augmented assignment or an in-place method (`add_`) changes."""
    if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
        return node.target
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name) \
            and node.func.attr.endswith("_") and not node.func.attr.startswith("_") and node.func.attr not in NOT_INPLACE:
        return node.func.value
    return None
