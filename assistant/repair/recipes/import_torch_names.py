"""Only an `import` binds a module's name in a file: `import torch.nn as nn` binds `nn` and not
`torch`, and imports in another file or notebook cell do not count. Code copied without its import
block, or relying on a neighbour's imports, stops at the first use of `torch`, `nn` or `F`. The
fix is the import itself, at the top of the file, for every one of these names the file uses and
never binds (a variable the user called `F` is theirs and is left alone).
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m
from libcst.metadata import MetadataWrapper, ScopeProvider

from assistant.repair.recipes import Problem
from assistant.repair.recipes._edit import Edits, statement

name = "import-torch-names"
IMPORTS = {"torch": "import torch", "nn": "import torch.nn as nn", "F": "import torch.nn.functional as F"}


def match(problem: Problem) -> list[str] | None:
    """The names of IMPORTS the code reads and nothing in the file binds, in import order."""
    unbound = _unbound_names(problem.source)
    missing = [wanted for wanted in IMPORTS if wanted in unbound]
    return missing or None


def apply(problem: Problem, missing: list[str]) -> Edits:
    edits = problem.edits()
    imports = [statement(IMPORTS[wanted]) for wanted in missing]
    body = problem.script.module.body
    first = next((line for line in body if _is_import(line) and not _is_future(line)), None)
    if first is not None:  # the new lines take the place (and the comments above) of the first import
        imports[0] = imports[0].with_changes(leading_lines=first.leading_lines)
        edits.replace(first, first.with_changes(leading_lines=[]))
        edits.insert_before(first, *imports)
    elif futures := [line for line in body if _is_future(line)]:
        edits.insert_after(futures[-1], *imports)
    elif body and m.matches(body[0], m.SimpleStatementLine([m.Expr(m.SimpleString())])):
        edits.insert_after(body[0], *imports)  # after the module docstring, which must stay first
    elif body:
        edits.insert_before(body[0], *imports)
    return edits


def _unbound_names(source: str) -> set[str]:
    """Names read somewhere in the code that no assignment, import, parameter or definition binds."""
    scopes = MetadataWrapper(cst.parse_module(source)).resolve(ScopeProvider)
    return {access.node.value for scope in set(scopes.values()) if scope is not None
            for access in scope.accesses if isinstance(access.node, cst.Name) and not access.referents}


def _is_import(line: cst.BaseStatement) -> bool:
    return isinstance(line, cst.SimpleStatementLine) and any(isinstance(part, (cst.Import, cst.ImportFrom))
                                                             for part in line.body)


def _is_future(line: cst.BaseStatement) -> bool:
    return m.matches(line, m.SimpleStatementLine([m.ImportFrom(module=m.Name("__future__"))]))
