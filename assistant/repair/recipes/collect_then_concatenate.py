"""Tensors have a fixed size and no `append`: code that starts an empty tensor
(`preds = torch.tensor([])`) and appends to it in a loop, as one would with a list, fails on the
first append. The torch way the entry gives is to collect in a Python list and join once after
the loop: `torch.cat` for batches of values (what concatenating to an empty 1-D tensor means),
`torch.tensor` for plain numbers (`loss.item()`). The list keeps its name, so the code after the
loop reads the joined tensor as before.
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._edit import Edits, Script, callee, expr, kind_of, positional, statement

name = "collect-then-concatenate"
_EMPTY_FACTORIES = ("torch.tensor", "torch.Tensor", "torch.empty", "torch.zeros", "torch.FloatTensor", "torch.LongTensor")
_NUMBERS = ("item", "float", "int", "len", "sum", "round")
Found = tuple[cst.Assign, cst.BaseStatement, str, bool]  # (the empty start, what to join after, the name, numbers)


@needs_failing_line
def match(problem: Problem) -> Found | None:
    """The failing `name.append(value)` in a loop, the empty tensor `name` starts as in the
    loop's block, and whether the values appended are plain numbers."""
    script = problem.script
    appends = [call for call in script.calls_on(problem.facts.user_lines[-1])
               if m.matches(call.func, m.Attribute(value=m.Name(), attr=m.Name("append"))) and len(call.args) == 1]
    for call in appends:
        if (found := _collected(script, call)) is not None:
            return found
    return None


def apply(problem: Problem, found: Found) -> Edits:
    start, loop, collected, numbers = found
    edits = problem.edits()
    edits.replace(start.value, expr("[]"))
    joined = f"torch.tensor({collected})" if numbers else f"torch.cat({collected})"
    edits.insert_after(loop, statement(f"{collected} = {joined}"))
    return edits


def _collected(script: Script, append: cst.Call) -> Found | None:
    """The empty start of the appended name in the block of the innermost statement around the
    append that has one, if a loop lies between: the join goes right after that statement (the
    loop, or the `with torch.no_grad():` around it)."""
    collected = append.func.value.value
    in_loop = False
    for node in script.ancestors(append):
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            return None  # the start must be in the same function as the loop
        in_loop = in_loop or isinstance(node, (cst.For, cst.While))
        if in_loop and isinstance(node, cst.BaseCompoundStatement) and (start := _start_before(script, node, collected)):
            return start, node, collected, _is_number(append.args[0].value)
    return None


def _start_before(script: Script, around: cst.BaseStatement, collected: str) -> cst.Assign | None:
    """`collected = torch.tensor([])` (or another empty 1-D tensor) in the statement's block before it."""
    block = script.parents.get(around)
    body = list(getattr(block, "body", ()))
    if around not in body:
        return None
    for line in reversed(body[:body.index(around)]):
        if m.matches(line, m.SimpleStatementLine([m.Assign(targets=[m.AssignTarget(m.Name(collected))])])):
            value = line.body[0].value
            return line.body[0] if _is_empty_tensor(value) else None
    return None


def _is_empty_tensor(value: cst.BaseExpression) -> bool:
    if not isinstance(value, cst.Call) or callee(value) not in _EMPTY_FACTORIES:
        return False
    args = positional(value)
    if not args:
        return callee(value) in ("torch.Tensor", "torch.FloatTensor", "torch.LongTensor")
    first = args[0].value
    return len(args) == 1 and (m.matches(first, m.List([])) or m.matches(first, m.Integer("0")))


def _is_number(value: cst.BaseExpression) -> bool:
    return isinstance(value, (cst.Integer, cst.Float)) or (isinstance(value, cst.Call) and kind_of(value) in _NUMBERS)
