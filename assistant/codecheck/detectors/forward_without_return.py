"""A module's forward() that computes but never returns: calling the model gives None, and the
next step fails far away ("argument 'input' must be Tensor, not NoneType")."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code
from assistant.codecheck.detectors import Hit
from assistant.codecheck.detectors._torch_names import module_classes
from assistant.codecheck.detectors._training import own_nodes

name = "forward-without-return"


def check(code: Code) -> Iterator[Hit]:
    for cls in module_classes(code).values():
        for forward in (s for s in cls.body if isinstance(s, ast.FunctionDef) and s.name == "forward"):
            if _computes(forward) and not _returns_or_raises(forward):
                yield Hit.at(code, forward, f"{cls.name}.forward() has no return statement, so {cls.name}(...)(x) "
                             "gives None: return the output")


def _computes(forward: ast.FunctionDef) -> bool:
    """More than a docstring, `pass` or `...`: an abstract forward is not at issue."""
    body = [s for s in forward.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    return any(not isinstance(s, ast.Pass) for s in body)


def _returns_or_raises(forward: ast.FunctionDef) -> bool:
    return any(isinstance(n, (ast.Return, ast.Raise, ast.Yield, ast.YieldFrom)) for n in own_nodes(forward.body))
