"""`scheduler.step()` before `optimizer.step()` in a loop (the order of PyTorch before 1.1): the
first learning rate is skipped, and torch warns "Detected call of `lr_scheduler.step()` before
`optimizer.step()`"."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._training import calls_named, is_optimizer, is_scheduler, loops, statement_index

name = "scheduler-before-optimizer"


@needs_calls("step")
def check(code: Code) -> Iterator[Hit]:
    for loop in loops(code):
        steps = calls_named(code, loop, "step")
        schedulers = [c for c in steps if _owner_is(code, c, scheduler=True)]
        optimizers = [c for c in steps if _owner_is(code, c, scheduler=False)]
        for scheduled in schedulers:
            at = statement_index(code, loop.body, scheduled)
            positions = [statement_index(code, loop.body, o) for o in optimizers]
            if at is not None and any(p is not None and p > at for p in positions) \
                    and not any(p is not None and p < at for p in positions):
                yield Hit.at(code, scheduled, f"{source_of(scheduled.func)}() runs before the optimizer's step() "
                             "in the loop: since PyTorch 1.1 the scheduler steps after optimizer.step() (at the "
                             "end of the epoch for epoch schedulers), else the first learning rate is skipped")


def _owner_is(code: Code, call: ast.Call, *, scheduler: bool) -> bool:
    if call.args or not isinstance(call.func, ast.Attribute):
        return False
    owner = call.func.value
    return is_scheduler(code, owner) if scheduler else is_optimizer(code, owner)
