"""Private torch names (`torch._utils._accumulate`) are moved and deleted without deprecation, so old
code that imported them stops at the import. Where the standard library or torch's public API has
the same function, the import takes it from there under the old local name, and the code that
uses it is unchanged. Names with no drop-in equivalent (`_DataLoaderIter`) are left to the user.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from assistant.repair.recipes import Problem
from assistant.repair.recipes._edit import Edits, dotted, statement

name = "public-equivalent-import"
# (private module, name) -> (public module, name): the same function, with the same arguments
EQUIVALENTS = {
    ("torch._utils", "_accumulate"): ("itertools", "accumulate"),
    # Python 2 compatibility aliases (torch._six's int_classes / string_classes) that the data
    # modules re-exported under private names: on Python 3 they were exactly these builtins
    ("torch.utils.data.sampler", "_int_classes"): ("builtins", "int"),
    ("torch.utils.data.dataloader", "string_classes"): ("builtins", "str"),
    ("torch.utils.data._utils.collate", "string_classes"): ("builtins", "str"),
    ("torch.utils.data._utils.collate", "int_classes"): ("builtins", "int"),
}


def match(problem: Problem) -> list[tuple[cst.SimpleStatementLine, cst.ImportFrom, cst.ImportAlias]] | None:
    """The `from <private module> import <name>` imports of the refused name that have an equivalent."""
    refused = problem.facts.values.get("name", "").strip("'\"")
    found = []
    for node in problem.script.nodes(cst.ImportFrom):
        module = dotted(node.module) if node.module is not None and not node.relative else None
        if module is None or (module, refused) not in EQUIVALENTS or not isinstance(node.names, Sequence):
            continue
        holder = problem.script.statement_of(node)
        for alias in node.names:
            if dotted(alias.name) == refused and isinstance(holder, cst.SimpleStatementLine) and len(holder.body) == 1:
                found.append((holder, node, alias))
    return found or None


def apply(problem: Problem, found: list[tuple[cst.SimpleStatementLine, cst.ImportFrom, cst.ImportAlias]]) -> Edits:
    edits = problem.edits()
    for holder, node, alias in found:
        module = dotted(node.module) if node.module is not None else ""
        public_module, public_name = EQUIVALENTS[(module, dotted(alias.name) or "")]
        local = alias.asname.name.value if alias.asname and isinstance(alias.asname.name, cst.Name) else dotted(alias.name)
        public = statement(f"from {public_module} import {public_name} as {local}\n")
        rest = [other for other in node.names if other is not alias] if isinstance(node.names, Sequence) else []
        if not rest:
            edits.replace(holder, public.with_changes(leading_lines=holder.leading_lines,
                                                      trailing_whitespace=holder.trailing_whitespace))
            continue
        rest[-1] = rest[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        edits.replace(node, node.with_changes(names=rest))
        edits.insert_after(holder, public)
    return edits
