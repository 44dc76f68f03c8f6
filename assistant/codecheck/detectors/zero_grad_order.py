"""A training loop whose gradients pile up or vanish: backward() and step() with no zero_grad() in
the loop, or zero_grad() between backward() and step(), which wipes the gradients step() needed."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._fragments import OPTIMIZER_NAMES, free_named
from assistant.codecheck.detectors._torch_names import layer_call
from assistant.codecheck.detectors._training import calls_named, is_optimizer, loops, own_nodes, statement_index

name = "zero-grad-order"


@needs_calls("step")
def check(code: Code) -> Iterator[Hit]:
    for loop in loops(code):
        steps = [c for c in calls_named(code, loop, "step") if _steps_optimizer(code, c)]
        backwards = calls_named(code, loop, "backward")
        if not steps or not backwards or _inner_loop_trains(code, loop):
            continue
        zero_grads = calls_named(code, loop, "zero_grad")
        if not zero_grads and not _clears_grads_by_hand(loop):
            yield Hit.at(code, steps[0], f"{source_of(steps[0].func)}() runs on every iteration but nothing "
                         "in the loop calls zero_grad(): each backward() adds to the gradients of all the "
                         "iterations before; call optimizer.zero_grad() before loss.backward()")
        yield from _wiped_before_step(code, loop.body, backwards, zero_grads, steps)
        yield from _step_between_zero_grad_and_backward(code, loop.body, backwards, zero_grads, steps)


def _steps_optimizer(code: Code, call: ast.Call) -> bool:
    """`opt.step()` of an optimizer built in this code, or `scaler.step(opt)`."""
    owner = call.func.value if isinstance(call.func, ast.Attribute) else None  # type: ignore[union-attr]
    if owner is not None and not call.args and _optimizer(code, owner):
        return True
    return len(call.args) == 1 and _optimizer(code, call.args[0])


def _optimizer(code: Code, node: ast.expr) -> bool:
    """Built by torch.optim (`optim.SGD(...)`, or `Adam(...)` imported from it), or a function's
    parameter or a fragment's free name that is named an optimizer (`def train(model, loader, optimizer)`)."""
    if is_optimizer(code, node):
        return True
    built = layer_call(code, node)
    if isinstance(built, ast.Call):
        made = code.resolved(built.func) or ""
        return made.startswith("torch.optim.") and ".lr_scheduler." not in made
    if free_named(code, node, OPTIMIZER_NAMES):
        return True  # a fragment's `optimizer`, built elsewhere
    function = code.scope_of(node)
    return isinstance(node, ast.Name) and OPTIMIZER_NAMES.match(node.id) is not None \
        and isinstance(function, ast.FunctionDef) \
        and node.id in {a.arg for a in function.args.args} and not code.assigned(function, node.id)


def _inner_loop_trains(code: Code, loop: ast.AST) -> bool:
    """An epoch loop around the batch loop: the batch loop is the one judged."""
    return any(n is not loop and isinstance(n, (ast.For, ast.While)) and calls_named(code, n, "step")
               for n in own_nodes(loop.body))  # type: ignore[attr-defined]


def _clears_grads_by_hand(loop: ast.AST) -> bool:
    """`p.grad = None`, `p.grad.zero_()` or `set_to_none`-style loops instead of zero_grad()."""
    for node in own_nodes(loop.body):  # type: ignore[attr-defined]
        if isinstance(node, ast.Attribute) and node.attr == "grad" and isinstance(node.ctx, ast.Store):
            return True
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "zero_":
            return True
    return False


def _wiped_before_step(code: Code, body: list[ast.stmt], backwards: list[ast.Call], zero_grads: list[ast.Call],
                       steps: list[ast.Call]) -> Iterator[Hit]:
    """zero_grad() in the same statement list after backward() and before step()."""
    def index(node: ast.AST) -> int | None:
        return statement_index(code, body, node)

    backward_at = [i for i in map(index, backwards) if i is not None]
    step_at = [i for i in map(index, steps) if i is not None]
    for zero_grad in zero_grads:
        at = index(zero_grad)
        later_steps = [s for s in step_at if at is not None and s > at]
        if at is None or not later_steps or not any(b < at for b in backward_at):
            continue
        if not any(at < b < min(later_steps) for b in backward_at):  # else it clears for that backward()
            yield Hit.at(code, zero_grad, f"{source_of(zero_grad.func)}() runs after backward() and before "
                         "step(): it wipes the gradients step() was to apply; call it before backward()")


def _step_between_zero_grad_and_backward(code: Code, body: list[ast.stmt], backwards: list[ast.Call],
                                         zero_grads: list[ast.Call], steps: list[ast.Call]) -> Iterator[Hit]:
    """`zero_grad(); step(); loss.backward()` in one statement list: step() only ever sees the
    gradients zero_grad() just cleared, so nothing is learned."""
    if len(steps) != 1 or len(backwards) != 1 or len(zero_grads) != 1:
        return
    at = [statement_index(code, body, call) for call in (zero_grads[0], steps[0], backwards[0])]
    if None not in at and at[0] < at[1] < at[2]:  # type: ignore[operator]
        yield Hit.at(code, steps[0], f"{source_of(steps[0].func)}() runs after zero_grad() and before backward(): "
                     "it only sees the gradients zero_grad() just cleared, so the model never learns; call "
                     "step() after loss.backward()")
