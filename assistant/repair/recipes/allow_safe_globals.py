"""Since torch 2.6, torch.load unpickles only tensors and plain containers unless told otherwise,
and refuses a checkpoint that also stores, say, the run's `argparse.Namespace`, a numpy score or a
`datetime`. Allowlisting those types with `torch.serialization.add_safe_globals` keeps the safe
loader for everything else; `weights_only=False` would run any code the file contains. The recipe
allowlists only types that hold plain data: a few from the standard library, numpy's array and
scalar rebuilders with their dtypes, and a dataclass the script itself defines at module level
(never a model, a function, or a third party's class). Types the safe loader cannot rebuild even
when allowlisted (`defaultdict`, `deque`) are left alone.
"""

from __future__ import annotations

import re

import libcst as cst
import libcst.matchers as m

from assistant.repair.recipes import Problem
from assistant.repair.recipes._edit import Edits, callee, dotted, expr, import_name, statement

name = "allow-safe-globals"
HARMLESS = frozenset({"argparse.Namespace", "pathlib.Path", "pathlib.PosixPath", "pathlib.WindowsPath",
                      "pathlib.PurePosixPath", "pathlib.PureWindowsPath", "datetime.datetime", "datetime.date",
                      "datetime.time", "datetime.timedelta", "datetime.timezone", "decimal.Decimal",
                      "fractions.Fraction", "uuid.UUID", "builtins.frozenset", "builtins.range", "builtins.slice"})
NUMPY = re.compile(r"numpy\.(?:_?core\.multiarray\.(?:scalar|_reconstruct)|ndarray|dtype|dtypes\.\w+DType)")
# what the file needs along with the first global the loader names (the dtype class comes next round)
COMPANIONS = {"scalar": ("numpy.dtype",), "_reconstruct": ("numpy.ndarray", "numpy.dtype")}
ALLOWLIST = "torch.serialization.add_safe_globals"
Found = tuple[list[str], list[cst.BaseStatement]]


def match(problem: Problem) -> Found | None:
    """The refused global (the entry's `global` value) with what it needs alongside, if all are
    plain data, and the statements of the torch.load calls on the failing line (else all)."""
    script = problem.script
    refused = allowlistable(problem.facts.values.get("global", ""), script.module)
    loads = script.at_failure([call for call in script.calls() if callee(call) == "torch.load"], problem.facts.user_lines)
    statements = list(dict.fromkeys(found for call in loads if (found := script.statement_of(call)) is not None))
    return (refused, statements) if refused and statements else None


def allowlistable(refused: str, module: cst.Module) -> list[str]:
    """The names to allowlist for this refused global, as the script can spell them; [] if it is
    not plain data."""
    if refused in HARMLESS:
        return [refused]
    if NUMPY.fullmatch(refused):
        return [refused, *COMPANIONS.get(refused.rsplit(".", 1)[1], ())]
    own = refused.removeprefix("__main__.")
    return [own] if own != refused and own in _module_dataclasses(module) else []


def _module_dataclasses(module: cst.Module) -> set[str]:
    """Classes defined at the script's top level as dataclasses: fields of plain data, whose
    pickled state the safe loader rebuilds with no code of the file's choosing."""
    found = set()
    for node in module.body:
        if isinstance(node, cst.ClassDef) and any(
                dotted(d.decorator.func if isinstance(d.decorator, cst.Call) else d.decorator)
                in ("dataclass", "dataclasses.dataclass") for d in node.decorators):
            found.add(node.name.value)
    return found


def apply(problem: Problem, found: Found) -> Edits:
    names, statements = found
    edits = problem.edits()
    for module in sorted({name.split(".", 1)[0] for name in names if "." in name}):
        if (alias := import_name(problem.script, module)) is None:
            edits.insert_after_imports(statement(f"import {module}"))
        elif alias != module:
            names = [f"{alias}{name[len(module):]}" if name.startswith(f"{module}.") else name for name in names]
    for load in statements:
        earlier = _allowlist_before(problem, load)
        if earlier is None:
            edits.insert_before(load, statement(f"{ALLOWLIST}([{', '.join(names)}])"))
        else:
            listed = earlier.args[0].value
            new = [name for name in names if name not in {problem.script.code(e.value) for e in listed.elements}]
            edits.replace(listed, expr(f"[{', '.join([problem.script.code(listed)[1:-1], *new])}]"))
    return edits


def _allowlist_before(problem: Problem, load: cst.BaseStatement) -> cst.Call | None:
    """The `add_safe_globals([...])` call of the statement right before the load (an earlier round's
    patch), so that the next global the loader names joins its list."""
    script = problem.script
    parent = next(script.ancestors(load), None)
    body = list(getattr(parent, "body", ()))
    if load not in body or body.index(load) == 0:
        return None
    before = body[body.index(load) - 1]
    calls = [call for call in m.findall(before, m.Call()) if isinstance(call, cst.Call) and callee(call) == ALLOWLIST]
    if len(calls) == 1 and calls[0].args and isinstance(calls[0].args[0].value, cst.List):
        return calls[0]
    return None
