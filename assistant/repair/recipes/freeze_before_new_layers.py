"""Transfer learning that swaps in a new head and then freezes "the backbone" with a loop over
`model.parameters()` freezes the new head too: nothing on the loss's path requires grad, and
backward() finds no graph. The entry's fix is the order: freeze first, then create the layers to
train, whose parameters require grad by default. The recipe moves the freeze (a loop, a
`model.requires_grad_(False)`, or a call of a helper of this file that does either) to just
before the first new layer assigned into the same model earlier in the same block.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst
import libcst.matchers as m

from assistant.repair.recipes import Problem
from assistant.repair.recipes._edit import Edits, Script, dotted, positional

name = "freeze-before-new-layers"


def match(problem: Problem) -> tuple[cst.BaseStatement, cst.BaseStatement] | None:
    """(the freeze, the first new-layer assignment into the frozen model before it, same block)."""
    script = problem.script
    for statement in script.nodes((cst.For, cst.SimpleStatementLine)):
        model = _frozen_model(script, statement)
        block = script.parents.get(statement)
        if model is None or not isinstance(block, (cst.Module, cst.IndentedBlock)):
            continue
        body = list(block.body)
        earlier = body[:body.index(statement)]
        first = next((s for s in earlier if _assigns_layer_into(s, model)), None)
        if first is not None:
            return statement, first
    return None


def apply(problem: Problem, found: tuple[cst.BaseStatement, cst.BaseStatement]) -> Edits:
    freeze, first = found
    block = problem.script.parents[freeze]
    body: list[cst.BaseStatement] = []
    for statement in block.body:
        if statement is first:
            body += [freeze.with_changes(leading_lines=first.leading_lines), first.with_changes(leading_lines=())]
        elif statement is not freeze:
            body.append(statement)
    edits = problem.edits()
    edits.replace(block, block.with_changes(body=body))
    return edits


def _frozen_model(script: Script, statement: cst.CSTNode) -> str | None:
    """The model a statement freezes entirely: `for p in model.parameters(): p.requires_grad = False`,
    `model.requires_grad_(False)`, or `freeze(model)` with such a helper defined here."""
    if isinstance(statement, cst.For):
        return _loop_freezes(statement)
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    small = statement.body[0]
    call = small.value if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call) else None
    if call is None:
        return None
    if _is_requires_grad_false(call) and isinstance(call.func, cst.Attribute):
        return dotted(call.func.value)
    helper = _helper(script, call)
    if helper is not None and positional(call) and helper.params.params:
        frozen = [_loop_freezes(loop) for loop in m.findall(helper.body, m.For()) if isinstance(loop, cst.For)]
        if helper.params.params[0].name.value in frozen:
            return dotted(positional(call)[0].value)
    return None


def _loop_freezes(loop: cst.For) -> str | None:
    """The model of `for p in model.parameters():` whose body turns grad off for every `p`
    (unconditionally: a loop that freezes by name keeps some layers trainable)."""
    iterated = loop.iter
    if not (isinstance(iterated, cst.Call) and isinstance(iterated.func, cst.Attribute)
            and iterated.func.attr.value in ("parameters", "named_parameters")):
        return None
    body: Sequence[cst.BaseStatement] = loop.body.body if isinstance(loop.body, cst.IndentedBlock) else ()
    if any(not isinstance(s, cst.SimpleStatementLine) for s in body):
        return None
    smalls = [small for s in body for small in s.body]
    return dotted(iterated.func.value) if any(_turns_grad_off(small) for small in smalls) else None


def _turns_grad_off(small: cst.BaseSmallStatement) -> bool:
    if isinstance(small, cst.Assign):
        target = small.targets[0].target
        return (isinstance(target, cst.Attribute) and target.attr.value == "requires_grad"
                and isinstance(small.value, cst.Name) and small.value.value == "False")
    return isinstance(small, cst.Expr) and isinstance(small.value, cst.Call) and _is_requires_grad_false(small.value)


def _is_requires_grad_false(call: cst.Call) -> bool:
    args = positional(call)
    return (isinstance(call.func, cst.Attribute) and call.func.attr.value == "requires_grad_" and len(args) == 1
            and isinstance(args[0].value, cst.Name) and args[0].value.value == "False")


def _helper(script: Script, call: cst.Call) -> cst.FunctionDef | None:
    functions = [node for node in script.nodes(cst.FunctionDef) if node.name.value == dotted(call.func)]
    return functions[0] if len(functions) == 1 else None


def _assigns_layer_into(statement: cst.BaseStatement, model: str) -> bool:
    """`model.head = nn.Linear(...)`, `model.fc.out = ...`, `model[2] = nn.Linear(...)`."""
    if not isinstance(statement, cst.SimpleStatementLine):
        return False
    for small in statement.body:
        if isinstance(small, cst.Assign) and isinstance(small.value, cst.Call):
            for target in small.targets:
                node = target.target
                base = node.value if isinstance(node, (cst.Attribute, cst.Subscript)) else None
                while isinstance(base, (cst.Attribute, cst.Subscript)) and dotted(base) != model:
                    base = base.value
                if base is not None and dotted(base) == model:
                    return True
    return False
