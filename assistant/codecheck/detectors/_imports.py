"""How an import statement is placed in the user's code, shared by the detectors of failing imports."""

from __future__ import annotations

import ast

from assistant.codecheck._code import Code, dotted

_IMPORT_FAILURES = ("ImportError", "ModuleNotFoundError", "Exception", "BaseException")


def import_has_fallback(code: Code, node: ast.AST) -> bool:
    """An import tried with a fallback (in a `try:` that catches ImportError), or the fallback itself
    (in such a handler): code written to run on several releases, which a missing name does not stop."""
    for ancestor in code.ancestors(node):
        if isinstance(ancestor, ast.Try) and any(_catches_import_error(h) for h in ancestor.handlers):
            return True
        if isinstance(ancestor, ast.ExceptHandler) and _catches_import_error(ancestor):
            return True
    return False


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    caught = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any((dotted(c) or "").rpartition(".")[2] in _IMPORT_FAILURES for c in caught)
