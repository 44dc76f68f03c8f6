"""`.grad` read from a tensor computed from a requires_grad tensor (`... * 0.01`, `.to(device)`,
`.cuda()`): only leaves keep their gradient, so it is None after backward()."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, source_of
from assistant.codecheck.detectors import Hit, needs_attributes
from assistant.codecheck.detectors._leaves import grad_tensor

name = "grad-of-non-leaf"


@needs_attributes("grad")
def check(code: Code) -> Iterator[Hit]:
    reported: set[str] = set()
    for node in code.nodes_of(ast.Attribute):
        if isinstance(node, ast.Attribute) and node.attr == "grad" and isinstance(node.ctx, ast.Load) \
                and isinstance(node.value, ast.Name) and node.value.id not in reported:
            found = grad_tensor(code, node.value)
            if found is not None and not found.leaf and not _retains_grad(code, node.value.id):
                reported.add(node.value.id)
                yield Hit.at(code, node, f"{node.value.id}.grad stays None: {node.value.id} is computed from "
                             f"{source_of(found.factory)}, not a leaf; make the final tensor the leaf (requires_grad_() "
                             f"after the arithmetic), or call {node.value.id}.retain_grad()")


def _retains_grad(code: Code, tensor: str) -> bool:
    return any(isinstance(n.func, ast.Attribute) and n.func.attr == "retain_grad" and isinstance(n.func.value, ast.Name)
               and n.func.value.id == tensor for n in code.calls)
