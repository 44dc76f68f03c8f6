"""How an import statement is placed in the user's code, shared by the detectors of failing imports."""

from __future__ import annotations

import ast
import sys

from assistant.codecheck._code import Code, dotted

# packages whose imports cannot set up a process group or define the user's own model classes
KNOWN_PACKAGES = frozenset({"torch", "torchvision", "torchaudio", "torchtext", "numpy", "pandas", "scipy", "sklearn",
                            "matplotlib", "tqdm", "PIL", "yaml", "einops", "typing_extensions"})
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


def imported_roots(code: Code) -> set[str] | None:
    """The top-level packages the file imports, None when it imports relatively (`from . import x`):
    what detectors ask to know whether the user's own modules are in play."""
    roots: set[str] = set()
    for node in code.nodes_of(ast.Import, ast.ImportFrom):
        if isinstance(node, ast.ImportFrom):
            if node.level or not node.module:
                return None
            roots.add(node.module.split(".")[0])
        else:
            roots.update(alias.name.split(".")[0] for alias in node.names)
    return roots


def only_known_imports(code: Code, known: frozenset[str] = KNOWN_PACKAGES) -> bool:
    """Every import is of the standard library or of these packages: no module of the user's own."""
    roots = imported_roots(code)
    return roots is not None and roots <= known | sys.stdlib_module_names
