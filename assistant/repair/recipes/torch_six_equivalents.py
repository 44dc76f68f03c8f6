"""`torch._six` was Python 2/3 compatibility shims, removed in torch 2.0; old code that imports
from it stops at the import. Every shim has a standard equivalent with the same value, so the
import becomes an assignment of those values to the same names and the rest of the file is
untouched. A name without a known equivalent leaves the import alone.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from assistant.repair.recipes import Problem
from assistant.repair.recipes._edit import Edits, Script, dotted, statement

name = "torch-six-equivalents"
# shim -> (its value, the module that value needs)
EQUIVALENTS = {
    "string_classes": ("(str, bytes)", None),
    "int_classes": ("int", None),
    "container_abcs": ("collections.abc", "collections.abc"),
    "inf": ("math.inf", "math"),
    "nan": ("math.nan", "math"),
}
_MODULES = {module for _, module in EQUIVALENTS.values() if module}


def match(problem: Problem) -> list[cst.ImportFrom] | None:
    """The `from torch._six import ...` statements, when every name they import has an equivalent."""
    imports = [node for node in problem.script.nodes(cst.ImportFrom)
               if node.module is not None and dotted(node.module) == "torch._six"]
    if not imports or not all(_shims(node) for node in imports):
        return None
    return imports


def apply(problem: Problem, imports: list[cst.ImportFrom]) -> Edits:
    script, edits = problem.script, problem.edits()
    imported = {module for module in _MODULES if _imports(script, module)}
    for node in imports:
        shims = _shims(node) or []
        targets = ", ".join(local for local, _ in shims)
        values = ", ".join(EQUIVALENTS[shim][0] for _, shim in shims)
        edits.replace(node, statement(f"{targets} = {values}\n").body[0])
        for module in dict.fromkeys(EQUIVALENTS[shim][1] for _, shim in shims):
            if module is not None and module not in imported:
                edits.insert_before(script.statement_of(node), statement(f"import {module}\n"))
                imported.add(module)
    return edits


def _shims(node: cst.ImportFrom) -> list[tuple[str, str]] | None:
    """(local name, shim) for each imported name; None for a star import or an unknown shim."""
    if not isinstance(node.names, Sequence):
        return None
    found = []
    for alias in node.names:
        shim = dotted(alias.name) or ""
        if shim not in EQUIVALENTS:
            return None
        local = alias.asname.name.value if alias.asname and isinstance(alias.asname.name, cst.Name) else shim
        found.append((local, shim))
    return found


def _imports(script: Script, module: str) -> bool:
    return any(dotted(alias.name) == module and alias.asname is None
               for node in script.nodes(cst.Import) for alias in node.names)
