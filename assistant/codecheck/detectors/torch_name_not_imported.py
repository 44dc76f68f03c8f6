"""`torch`, `nn` or `F` used in a file that imports from torch but never binds that name:
`import torch.nn as nn` binds only `nn`, so `torch.manual_seed(0)` raises "name 'torch' is not defined".

A fragment without any import is not judged (its imports were left out of the paste); only a file
that shows its imports (one from torch, or an import block it opens with: `import numpy as np`,
`import pandas as pd`, then `torch.from_numpy(...)`), and binds the name nowhere (no import,
assignment, parameter, star import or exec), is."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from assistant.codecheck._code import Code
from assistant.codecheck.detectors import Hit

name = "torch-name-not-imported"
incidental = True  # a pasted class or loop often keeps one torch import and drops `import torch`
IMPORTS = {"torch": "import torch", "nn": "import torch.nn as nn", "F": "import torch.nn.functional as F"}


def check(code: Code) -> Iterator[Hit]:
    candidates = [n for n in IMPORTS if _used_but_not_imported_by_text(code.source, n)]
    if not candidates or not (_imports_from_torch(code.tree) or _opens_with_imports(code.tree)):
        return
    bound = _bound_names(code.tree)
    if bound is None:
        return
    postponed = _postpones_annotations(code.tree)
    for missing in [n for n in candidates if n not in bound]:
        use = _first_use(code, missing, postponed)
        if use is not None:
            yield Hit.at(code, use, f"{missing} is used here but this file never imports it (its other torch "
                         f"imports do not bind the name {missing}): add `{IMPORTS[missing]}`", {"name": missing})


def _used_but_not_imported_by_text(source: str, spelled: str) -> bool:
    """A cheap look at the text first: the name is followed by a dot somewhere, and no import line
    plainly binds it (`import torch`, `import torch.nn`, `... as nn`, `from torch import nn`). Most
    files import what they use, and then the tree is not walked at all."""
    if re.search(rf"(?<![\w.]){spelled}\.", source) is None:
        return False
    plainly_bound = (rf"^[ \t]*import[ \t]+{spelled}(?:\.[\w.]+)?[ \t]*(?:#.*)?$",
                     rf"^[ \t]*(?:import|from)[ \t].*\bas[ \t]+{spelled}\b",
                     rf"^[ \t]*from[ \t]+[\w.]+[ \t]+import[ \t](?:.*[ \t,(])?{spelled}[ \t]*(?:[,)#]|$)")
    return not any(re.search(pattern, source, re.M) for pattern in plainly_bound)


def _imports_from_torch(tree: ast.Module) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "torch" for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "torch" and node.level == 0:
            return True
    return False


def _opens_with_imports(tree: ast.Module) -> bool:
    """The file's first statement (after a docstring) is an import: the paste starts where the file or
    cell starts, so its imports are all there."""
    body = tree.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    return bool(body) and isinstance(body[0], (ast.Import, ast.ImportFrom))


def _bound_names(tree: ast.Module) -> set[str] | None:
    """Every name the file binds anywhere; None when it may bind names it does not spell (a star
    import, exec, globals())."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            found.add(node.id)
        elif isinstance(node, ast.Name) and node.id in ("exec", "globals", "eval", "get_ipython", "locals"):
            return None
        elif isinstance(node, ast.arg):
            found.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            if any(alias.name == "*" for alias in node.names):
                return None
            found.update(alias.asname or alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            found.update(node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            found.add(node.name)
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
            found.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            found.add(node.rest)
    return found


def _postpones_annotations(tree: ast.Module) -> bool:
    return any(isinstance(n, ast.ImportFrom) and n.module == "__future__" and any(a.name == "annotations" for a in n.names)
               for n in tree.body)


def _first_use(code: Code, missing: str, postponed: bool) -> ast.Name | None:
    uses = [n for n in code.nodes_of(ast.Name) if n.id == missing and isinstance(n.ctx, ast.Load)]
    if postponed:
        uses = [u for u in uses if not _in_annotation(code, u)]
    return min(uses, key=lambda u: (u.lineno, u.col_offset), default=None)


def _in_annotation(code: Code, node: ast.AST) -> bool:
    child = node
    for parent in code.ancestors(node):
        if isinstance(parent, ast.arg) and parent.annotation is child:
            return True
        if isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef)) and parent.returns is child:
            return True
        if isinstance(parent, ast.AnnAssign) and parent.annotation is child:
            return True
        child = parent
    return False
