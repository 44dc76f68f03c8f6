"""A `forward` that computes its output but has no `return` gives None to whoever called the
model, so the loss (or the next layer) receives None. The entry's fix is to return the output.
The recipe handles the mechanical case: a module's `forward` with no `return` of a value
anywhere, whose last statement assigns one name (`x = self.classifier(x)`) or is a bare call
(`self.head(x)`); it returns that name or that call. A forward that returns on some paths only
is left alone: what the other paths should return is a decision about the model.
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from assistant.repair.recipes import Problem
from assistant.repair.recipes._edit import Edits, Script, dotted

name = "return-from-forward"


def match(problem: Problem) -> list[cst.SimpleStatementLine] | None:
    """The last statement of every module `forward` that falls off its end."""
    script = problem.script
    found = [last for forward in script.nodes(cst.FunctionDef)
             if forward.name.value == "forward" and _in_module_class(script, forward)
             and (last := _falls_off_with(forward)) is not None]
    return found or None


def apply(problem: Problem, lasts: list[cst.SimpleStatementLine]) -> Edits:
    edits = problem.edits()
    for last in lasts:
        small = last.body[0]
        if isinstance(small, cst.Assign):
            edits.insert_after(last, cst.parse_statement(f"return {problem.script.code(small.targets[0].target)}\n"))
        else:
            edits.replace(small, cst.Return(value=small.value))
    return edits


def _in_module_class(script: Script, function: cst.FunctionDef) -> bool:
    owner = script.parents.get(script.parents.get(function))
    return isinstance(owner, cst.ClassDef) and bool(owner.bases)


def _falls_off_with(forward: cst.FunctionDef) -> cst.SimpleStatementLine | None:
    """The last statement, when no `return <value>` (nor `raise`, `yield`) exists in the body and
    it is `name = ...` or a call."""
    if m.findall(forward.body, m.Return(value=m.DoesNotMatch(None)) | m.Raise() | m.Yield()):
        return None
    body = forward.body.body if isinstance(forward.body, cst.IndentedBlock) else ()
    last = body[-1] if body else None
    if not isinstance(last, cst.SimpleStatementLine) or len(last.body) != 1:
        return None
    small = last.body[0]
    if isinstance(small, cst.Assign) and len(small.targets) == 1 and dotted(small.targets[0].target):
        return last
    if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
        return last
    return None
