"""Only an `import` binds a module's name in a file: `import torch.nn as nn` binds `nn` and not
`torch`, and imports in another file or notebook cell do not count. Code copied without its import
block, or relying on a neighbour's imports, stops at the first use of `torch`, `nn` or `F`. The
fix is the import itself, at the top of the file, for every one of these names the file uses and
never binds (a variable the user called `F` is theirs and is left alone). Code the script keeps
in a string and writes out or execs (a plugin file, a generated module) fails in that code, which
the script's own imports do not reach: there the import goes into the string, above its own
imports, when the string's code uses the name the message says is missing and never binds it.
"""

from __future__ import annotations

import re
import textwrap

import libcst as cst
import libcst.matchers as m
from libcst.metadata import MetadataWrapper, ScopeProvider

from assistant.repair.recipes import Problem
from assistant.repair.recipes._edit import Edits, statement

name = "import-torch-names"
IMPORTS = {"torch": "import torch", "nn": "import torch.nn as nn", "F": "import torch.nn.functional as F"}


_MISSING = re.compile(r"name '(\w+)' is not defined")
_FIRST_IMPORT = re.compile(r"^([ \t]*)(?:import|from)\s", re.MULTILINE)


def match(problem: Problem) -> list[str] | tuple[cst.SimpleString, str] | None:
    """The names of IMPORTS the code reads and nothing in the file binds, in import order; else
    (the string of code that lacks it, the name) for the name the message says is missing."""
    unbound = _unbound_names(problem.source)
    missing = [wanted for wanted in IMPORTS if wanted in unbound]
    if missing:
        return missing
    named = _MISSING.search(problem.facts.message)
    if named is None or named.group(1) not in IMPORTS:
        return None
    strings = [node for node in problem.script.nodes(cst.SimpleString) if _code_lacking(node, named.group(1))]
    return (strings[0], named.group(1)) if len(strings) == 1 else None


def _code_lacking(node: cst.SimpleString, name: str) -> bool:
    """A triple-quoted string of Python with imports of its own that reads `name` unbound."""
    if not node.quote.startswith(('"""', "'''")) or "f" in node.prefix.lower() or "b" in node.prefix.lower():
        return False
    text = node.evaluated_value
    if not isinstance(text, str) or not _FIRST_IMPORT.search(text):
        return False
    try:
        return name in _unbound_names(textwrap.dedent(text))
    except cst.ParserSyntaxError:
        return False


def apply(problem: Problem, missing: list[str] | tuple[cst.SimpleString, str]) -> Edits:
    edits = problem.edits()
    if isinstance(missing, tuple):
        node, wanted = missing
        first = _FIRST_IMPORT.search(node.value)
        line = f"{first.group(1)}{IMPORTS[wanted]}\n"
        edits.replace(node, node.with_changes(value=node.value[:first.start()] + line + node.value[first.start():]))
        return edits
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
