"""Since PyTorch 1.1 `scheduler.step()` means "an optimizer step (or an epoch of them) is done". A
loop that steps the scheduler first, the pre-1.1 order, moves to the schedule's second value
before any update used the first: the whole schedule runs one step early. The recipe moves the
scheduler's step to just after the statement of the same loop body that steps the optimizer
(`optimizer.step()`, `scaler.step(optimizer)`, or a helper the optimizer is passed to, such as
a `train_one_epoch(model, loader, optimizer)`), keeping it at the loop level it was written at.
When the order is already right the warning comes from GradScaler skipping a step, which is
no bug in the code, and the recipe does not apply.
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from assistant.repair.recipes import Problem
from assistant.repair.recipes._edit import Edits, Script, callee, calls_in, dotted, kind_of, positional

name = "scheduler-after-optimizer"
_OPTIMIZERS = {"SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam", "LBFGS",
               "ASGD", "Rprop", "SparseAdam", "Adafactor"}


def match(problem: Problem) -> list[tuple[cst.IndentedBlock, list[cst.BaseStatement]]] | None:
    """Each loop or function body that steps a scheduler before the statement that steps an
    optimizer, with its statements in the order they should run."""
    script = problem.script
    schedulers, optimizers = _schedulers(script), _optimizers(script)
    if not schedulers or not optimizers:
        return None
    stepping = _functions_stepping(script, optimizers)
    reordered: dict[cst.IndentedBlock, list[cst.BaseStatement]] = {}
    for step in (line for line in script.nodes(cst.SimpleStatementLine) if _steps(line, schedulers)):
        block = script.parents.get(step)
        if not isinstance(block, cst.IndentedBlock) or not _repeated(script, step) or _inside(script, block, reordered):
            continue
        body = reordered.get(block, list(block.body))
        if (order := _moved_after_optimizer(body, step, optimizers, stepping)) is not None:
            reordered[block] = order
    return list(reordered.items()) or None


def apply(problem: Problem, reordered: list[tuple[cst.IndentedBlock, list[cst.BaseStatement]]]) -> Edits:
    edits = problem.edits()
    for block, body in reordered:
        edits.replace(block, block.with_changes(body=body))
    return edits


def _moved_after_optimizer(body: list[cst.BaseStatement], step: cst.BaseStatement, optimizers: set[str],
                           stepping: set[str]) -> list[cst.BaseStatement] | None:
    """The body with the scheduler's step just after the first later statement that steps an
    optimizer, itself or through a function of this file; None when no later one does (the order
    is already right)."""
    position = body.index(step)
    later = next((i for i in range(position + 1, len(body))
                  if _steps_optimizer(body[i], optimizers) or any(kind_of(c) in stepping for c in calls_in(body[i]))),
                 None)
    if later is None:
        return None
    rest = [statement for statement in body if statement is not step]
    return [*rest[:later], step, *rest[later:]]


def _steps(line: cst.SimpleStatementLine, schedulers: set[str]) -> bool:
    """`scheduler.step()` (or `step(val_loss)`) as a statement of its own."""
    return m.matches(line, m.SimpleStatementLine([m.Expr(m.Call(func=m.Attribute(attr=m.Name("step"))))])) and \
        dotted(line.body[0].value.func.value) in schedulers


def _steps_optimizer(statement: cst.BaseStatement, optimizers: set[str]) -> bool:
    for call in calls_in(statement):
        function = callee(call) or ""
        owner, _, method = function.rpartition(".")
        if method == "step" and owner in optimizers:
            return True
        if any(dotted(arg.value) in optimizers for arg in positional(call)):
            return True
    return False


def _functions_stepping(script: Script, optimizers: set[str]) -> set[str]:
    """The functions and methods of this file that step an optimizer (`def train_epoch(): ...
    optimizer.step()`), by name: calling one is an optimizer step."""
    return {node.name.value for node in script.nodes(cst.FunctionDef) if _steps_optimizer(node.body, optimizers)}


def _schedulers(script: Script) -> set[str]:
    return {bound for bound, call in script.bindings.items() if _is_scheduler(call)}


def _optimizers(script: Script) -> set[str]:
    """Names bound to torch optimizers, and whatever the schedulers were built on (an optimizer
    made by a helper of the user's: `StepLR(make_optimizer(model), ...)` needs no knowing it)."""
    built = {bound for bound, call in script.bindings.items()
             if kind_of(call) in _OPTIMIZERS or ("optim." in (callee(call) or "") and not _is_scheduler(call))}
    scheduled = {dotted(positional(call)[0].value) for call in script.bindings.values()
                 if _is_scheduler(call) and positional(call)}
    return built | {name for name in scheduled if name}


def _is_scheduler(call: cst.Call) -> bool:
    kind = kind_of(call)
    return "lr_scheduler" in (callee(call) or "") or kind.endswith(("LR", "LROnPlateau", "Restarts", "Scheduler")) \
        or (kind.startswith("get_") and "schedule" in kind)


def _repeated(script: Script, step: cst.BaseStatement) -> bool:
    """In a loop or a function (a training step): code that runs once per step or epoch. A single
    `scheduler.step()` before the training loop at module level is left alone."""
    return script.in_loop(step) or script.function_of(step) is not None


def _inside(script: Script, block: cst.IndentedBlock, reordered: dict[cst.IndentedBlock, list]) -> bool:
    """Nested in (or holding) a body already reordered: one rewrite per stretch of code."""
    return any(other in script.ancestors(block) or block in script.ancestors(other) for other in reordered)
