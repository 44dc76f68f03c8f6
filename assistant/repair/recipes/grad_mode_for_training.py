"""A training forward run under `with torch.no_grad():` (or `torch.inference_mode()`) records no
graph, so the loss built from it has no grad_fn and backward() refuses. The entry's fix: keep
those contexts around evaluation only, and run the training forward and the loss with grad
enabled. The recipe finds the grad-free `with` blocks that compute the loss or a value it is
built from (followed back from the tensor given to backward() through its assignments) and runs
their statements without the context, unchanged otherwise; a helper of this file that such a
value calls, or the one backward() itself runs in, loses its `@torch.no_grad()` decorator.
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._edit import Edits, Script, dotted
from assistant.repair.recipes._loss_path import assignments_on_path, backward_calls

name = "grad-mode-for-training"
_GRAD_MODE_OFF = ("torch.no_grad", "torch.inference_mode", "no_grad", "inference_mode")


@needs_failing_line
def match(problem: Problem) -> list[cst.With | cst.FunctionDef] | None:
    """The grad-free blocks and helpers on the path to the tensor backward() is called on."""
    script = problem.script
    for backward in backward_calls(script, problem.facts.user_lines):
        path = [backward, *assignments_on_path(script, backward.func.value, backward)]
        if found := [*_grad_free_blocks(script, path), *_grad_free_helpers(script, path)]:
            return found
    return None


def apply(problem: Problem, found: list[cst.With | cst.FunctionDef]) -> Edits:
    edits = problem.edits()
    helpers = {f: f.with_changes(decorators=[d for d in f.decorators if not _is_grad_mode_off(d.decorator)])
               for f in found if isinstance(f, cst.FunctionDef)}
    by_parent: dict[cst.CSTNode, list[cst.With]] = {}
    for block in found:
        if isinstance(block, cst.With):
            by_parent.setdefault(problem.script.parents[block], []).append(block)
    for parent, unwrapped in by_parent.items():
        body: list[cst.BaseStatement] = []
        for statement in parent.body:
            body += _contents(statement) if statement in unwrapped else [helpers.pop(statement, statement)]
        edits.replace(parent, parent.with_changes(body=body))
    for helper, undecorated in helpers.items():
        edits.replace(helper, undecorated)
    return edits


def _contents(block: cst.With) -> list[cst.BaseStatement]:
    inner = list(block.body.body) if isinstance(block.body, cst.IndentedBlock) else []
    if inner:
        inner[0] = inner[0].with_changes(leading_lines=[*block.leading_lines, *inner[0].leading_lines])
    return inner


def _grad_free_blocks(script: Script, path: list[cst.CSTNode]) -> list[cst.With]:
    """The `with torch.no_grad():` blocks around the backward() call or around an assignment on
    the way to its tensor; nested ones are unwrapped from the outermost."""
    found: list[cst.With] = []
    for node in path:
        for block in _grad_free_around(script, node):
            if block not in found:
                found.append(block)
    outer = [block for block in found if not any(a in found for a in script.ancestors(block))]
    return [block for block in outer if isinstance(script.parents.get(block), (cst.Module, cst.IndentedBlock))]


def _grad_free_helpers(script: Script, path: list[cst.CSTNode]) -> list[cst.FunctionDef]:
    """Functions of this file decorated with `@torch.no_grad()` that an assignment on the path
    calls, or that the path runs in (a `train_step` that calls backward() itself)."""
    called = {dotted(call.func) for node in path if isinstance(node, cst.Assign)
              for call in m.findall(node.value, m.Call()) if isinstance(call, cst.Call)}
    enclosing = [script.function_of(node) for node in path]
    return [function for function in script.nodes(cst.FunctionDef)
            if (function.name.value in called or any(function is outer for outer in enclosing))
            and any(_is_grad_mode_off(d.decorator) for d in function.decorators)]


def _grad_free_around(script: Script, node: cst.CSTNode) -> list[cst.With]:
    return [a for a in script.ancestors(node) if isinstance(a, cst.With) and any(_is_grad_mode_off(i.item) for i in a.items)]


def _is_grad_mode_off(item: cst.BaseExpression) -> bool:
    return isinstance(item, cst.Call) and dotted(item.func) in _GRAD_MODE_OFF
