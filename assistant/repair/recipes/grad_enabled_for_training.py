"""`torch.set_grad_enabled(False)` written as a statement (an inference cell run before the
training one, a setup line never undone) switches grad mode off for everything after it, so the
training forward records no graph and backward() finds no grad_fn. The entry's fix is to run the
training code with grad mode on. The recipe switches it back on just before the training code:
the first statement of that block holding a forward pass the loss is computed from (or the
backward() call), so what ran before keeps running without gradients.
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._edit import Edits, Script, dotted, positional, statement
from assistant.repair.recipes._loss_path import assignments_on_path, backward_calls

name = "grad-enabled-for-training"
_SWITCHES = ("torch.set_grad_enabled", "set_grad_enabled")


@needs_failing_line
def match(problem: Problem) -> tuple[cst.BaseStatement, str] | None:
    """(the statement to switch grad mode back on before, the switch function's name)."""
    script = problem.script
    for backward in backward_calls(script, problem.facts.user_lines):
        path = [backward, *assignments_on_path(script, backward.func.value, backward)]
        steps = [node for node in path if node is backward or _runs_a_model(script, node)]
        for switch, function in _switches(script):
            block = script.parents[switch]
            held = [top for node in steps if (top := _child_of(script, node, block)) is not None]
            if len(held) != len(steps):
                continue
            body = list(block.body)
            first = min(body.index(top) for top in held)
            if body.index(switch) < first and not any(_switched(s, "True") for s in body[body.index(switch):first]):
                return body[first], function
    return None


def apply(problem: Problem, found: tuple[cst.BaseStatement, str]) -> Edits:
    anchor, function = found
    edits = problem.edits()
    edits.insert_before(anchor, statement(f"{function}(True)"))
    return edits


def _runs_a_model(script: Script, node: cst.CSTNode) -> bool:
    """An assignment on the loss's path whose value calls a module (the forward pass): where the
    graph must start being recorded. Building layers or data before it needs no grad mode."""
    return any(script.is_model_call(call) for call in m.findall(node, m.Call()) if isinstance(call, cst.Call))


def _switches(script: Script) -> list[tuple[cst.SimpleStatementLine, str]]:
    """The `torch.set_grad_enabled(False)` statements directly in a block, with the name called."""
    return [(line, dotted(line.body[0].value.func)) for line in script.nodes(cst.SimpleStatementLine)
            if _switched(line, "False") and isinstance(script.parents.get(line), (cst.Module, cst.IndentedBlock))]


def _switched(line: cst.CSTNode, value: str) -> bool:
    if not (isinstance(line, cst.SimpleStatementLine) and len(line.body) == 1 and isinstance(line.body[0], cst.Expr)):
        return False
    call = line.body[0].value
    args = positional(call) if isinstance(call, cst.Call) else []
    return (isinstance(call, cst.Call) and dotted(call.func) in _SWITCHES and len(args) == 1
            and isinstance(args[0].value, cst.Name) and args[0].value.value == value)


def _child_of(script: Script, node: cst.CSTNode, block: cst.CSTNode) -> cst.BaseStatement | None:
    """The statement directly in the block that holds the node."""
    for ancestor in (node, *script.ancestors(node)):
        if script.parents.get(ancestor) is block:
            return ancestor
    return None
