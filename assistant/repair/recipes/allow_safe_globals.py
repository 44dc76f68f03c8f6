"""Since torch 2.6, torch.load unpickles only tensors and plain containers unless told otherwise,
and refuses a checkpoint that also stores, say, the run's `argparse.Namespace`. Allowlisting that
one type with `torch.serialization.add_safe_globals` keeps the safe loader for everything else;
`weights_only=False` would run any code the file contains. The recipe allowlists only types from
the standard library that hold plain data, never a class of the user's code or a third party's.
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from assistant.repair.recipes import Problem
from assistant.repair.recipes._edit import Edits, callee, statement

name = "allow-safe-globals"
HARMLESS = frozenset({"argparse.Namespace", "pathlib.Path", "pathlib.PosixPath", "pathlib.WindowsPath",
                      "pathlib.PurePosixPath", "pathlib.PureWindowsPath"})


def match(problem: Problem) -> tuple[str, list[cst.BaseStatement]] | None:
    """The refused global (the entry's `global` value) if it is harmless, and the statements of the
    torch.load calls on the failing line (else all of them)."""
    refused = problem.facts.values.get("global", "")
    script = problem.script
    loads = script.at_failure([call for call in script.calls() if callee(call) == "torch.load"], problem.facts.user_lines)
    statements = list(dict.fromkeys(found for call in loads if (found := script.statement_of(call)) is not None))
    return (refused, statements) if refused in HARMLESS and statements else None


def apply(problem: Problem, found: tuple[str, list[cst.BaseStatement]]) -> Edits:
    refused, statements = found
    module = refused.split(".", 1)[0]
    edits = problem.edits()
    if not m.findall(problem.script.module, m.Import([m.ImportAlias(m.Name(module), asname=None)])):
        edits.insert_after_imports(statement(f"import {module}"))
    for load in statements:
        edits.insert_before(load, statement(f"torch.serialization.add_safe_globals([{refused}])"))
    return edits
