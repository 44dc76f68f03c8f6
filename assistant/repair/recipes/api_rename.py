"""An API that was renamed or deprecated in favour of one taking the same arguments
(`torch.set_deterministic` -> `torch.use_deterministic_algorithms`, `F.upsample` -> `F.interpolate`,
`torch.cpu.amp.autocast(...)` -> `torch.amp.autocast('cpu', ...)`): every use of the old name is
rewritten to the new one. Which renames are safe is the API drift table's decision
(kb/data/api_drift.yaml, rows marked `mechanical`); this recipe only spells them in the user's
own import aliases.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from assistant.answering.api_drift import ApiChange, changes_for
from assistant.answering.error_model import ErrorReport
from assistant.repair.recipes import Problem
from assistant.repair.recipes._edit import Edits, Script, dotted, expr, statement

name = "api-rename"
Found = list[tuple[cst.CSTNode, ApiChange]]


def match(problem: Problem) -> Found | None:
    """The references to the old API the error names (calls and bare attributes), each with its row."""
    facts = problem.facts
    renames = {change.symbol: change for change in changes_for(ErrorReport(facts.error_type, facts.message))
               if change.mechanical and change.replacement}
    if not renames:
        return None
    aliases = _aliases(problem.script)
    found: Found = []
    for node in problem.script.nodes((cst.Attribute, cst.Name)):
        change = renames.get(_full_name(node, aliases) or "")
        if change is not None and _rewritable(problem.script, node, change):
            found.append((node, change))
    return found or None


def apply(problem: Problem, found: Found) -> Edits:
    script, edits = problem.script, problem.edits()
    aliases = _aliases(script)
    missing_imports: dict[str, None] = {}
    for node, change in found:
        spelled = _spelled(change.replacement or "", aliases)
        if (root := spelled.split(".")[0]) not in aliases:
            missing_imports[root] = None
        parent = script.parents.get(node)
        if change.first_arg and isinstance(parent, cst.Call):
            edits.replace(parent, parent.with_changes(func=expr(spelled), args=_with_first(parent, change.first_arg)))
        else:
            edits.replace(node, expr(spelled))
    for root in missing_imports:
        edits.insert_after_imports(statement(f"import {root}"))
    return edits


def _with_first(call: cst.Call, first_arg: str) -> list[cst.Arg]:
    """The call's arguments with `first_arg` in front: `autocast(enabled=True)` -> `('cpu', enabled=True)`."""
    if not call.args:
        return [cst.Arg(expr(first_arg))]
    return [cst.Arg(expr(first_arg), comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))), *call.args]


def _aliases(script: Script) -> dict[str, str]:
    """The names the script binds to torch modules: `torch`, `nn` -> torch.nn, `F` -> torch.nn.functional."""
    bound: dict[str, str] = {}
    for node in script.nodes(cst.Import):
        for alias in node.names:
            module = dotted(alias.name) or ""
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                bound[alias.asname.name.value] = module
            else:
                bound[module.split(".")[0]] = module.split(".")[0]
    for node in script.nodes(cst.ImportFrom):
        base = dotted(node.module) if node.module is not None and not node.relative else None
        if base is None or not isinstance(node.names, Sequence):
            continue
        for alias in node.names:
            local = alias.asname.name if alias.asname is not None else alias.name
            if isinstance(local, cst.Name):
                bound[local.value] = f"{base}.{dotted(alias.name)}"
    return bound


def _full_name(node: cst.CSTNode, aliases: dict[str, str]) -> str | None:
    name = dotted(node) if isinstance(node, (cst.Attribute, cst.Name)) else None
    if name is None:
        return None
    head, _, rest = name.partition(".")
    if head not in aliases:
        return None
    return f"{aliases[head]}.{rest}" if rest else aliases[head]


def _rewritable(script: Script, node: cst.CSTNode, change: ApiChange) -> bool:
    """A reference the rewrite can replace: not the name an import binds, not the inner part of a
    longer attribute chain, and called when the new API needs a leading argument."""
    parent = script.parents.get(node)
    if any(isinstance(a, (cst.Import, cst.ImportFrom)) for a in script.ancestors(node)):
        return False
    if isinstance(parent, cst.Attribute) and parent.value is node:
        return False
    if isinstance(node, cst.Name) and not _is_reference(node, parent):
        return False
    return not change.first_arg or (isinstance(parent, cst.Call) and parent.func is node)


def _is_reference(name: cst.Name, parent: cst.CSTNode | None) -> bool:
    """A bare name that reads a variable, not an attribute, keyword, parameter or definition name."""
    if isinstance(parent, cst.Attribute):
        return parent.value is name
    if isinstance(parent, (cst.Arg, cst.Param, cst.FunctionDef, cst.ClassDef)):
        return getattr(parent, "value", None) is name
    return True


def _spelled(symbol: str, aliases: dict[str, str]) -> str:
    """The symbol through the user's longest matching alias: `F.interpolate`, not the full path."""
    best = max((local for local, module in aliases.items() if symbol == module or symbol.startswith(module + ".")),
               key=lambda local: len(aliases[local]), default=None)
    return symbol if best is None else best + symbol[len(aliases[best]):]
