"""Assigning a plain tensor to a module's parameter attribute (`layer.weight = pretrained`) is
refused: the attribute must stay an nn.Parameter, the object the optimizer holds. Copying the values
into the existing parameter under no_grad keeps its identity (the optimizer still updates it), its
dtype and its device, which is what loading pretrained values means. `copy_` broadcasts: a
tensor whose shape cannot broadcast to the parameter's still fails, but one that can (a `[out]`
row into an `[out, in]` weight) fills every row, so a verified copy proves that it runs, not
that the two shapes were meant to broadcast.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._edit import Edits, Script, dotted, imported_modules, statement

name = "copy-into-parameter"


@needs_failing_line
def match(problem: Problem) -> tuple[cst.SimpleStatementLine, cst.Assign, bool] | None:
    """The failing `x.<parameter> = value` line, its assignment, and whether it already runs
    under no_grad."""
    parameter = problem.facts.values.get("name", "").strip("'\"")
    script = problem.script
    if not parameter or "torch" not in imported_modules(script):
        return None
    for line in reversed(problem.facts.user_lines):
        for node in script.nodes(cst.Assign):
            target = dotted(node.targets[0].target) if len(node.targets) == 1 else None
            holder = script.statement_of(node)
            if (target and target.endswith(f".{parameter}") and script.covers(node, line)
                    and isinstance(holder, cst.SimpleStatementLine) and len(holder.body) == 1):
                return holder, node, _under_no_grad(script, node)
    return None


def apply(problem: Problem, found: tuple[cst.SimpleStatementLine, cst.Assign, bool]) -> Edits:
    holder, assignment, no_grad = found
    script, edits = problem.script, problem.edits()
    copy = f"{script.code(assignment.targets[0].target)}.copy_({script.code(assignment.value)})"
    if no_grad:
        edits.replace(assignment, statement(copy).body[0])
        return edits
    block = statement(f"with torch.no_grad():\n    {copy}\n")
    inner = block.body.body[0].with_changes(trailing_whitespace=holder.trailing_whitespace)
    edits.replace(holder, block.with_changes(leading_lines=holder.leading_lines,
                                             body=block.body.with_changes(body=[inner])))
    return edits


def _under_no_grad(script: Script, node: cst.CSTNode) -> bool:
    return any(isinstance(a, cst.With) and any("no_grad" in script.code(item.item) for item in a.items)
               for a in script.ancestors(node))
