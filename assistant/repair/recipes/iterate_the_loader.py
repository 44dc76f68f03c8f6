"""A DataLoader is an iterable, not an iterator: `next(loader)` has nothing to advance. One batch
for a check is `next(iter(loader))`; consecutive batches need one iterator made once and advanced
by every `next` (a fresh `iter(loader)` per call would start a new epoch each time, and shuffle).
The recipe writes the first when the script takes one batch, the second when it takes several.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._edit import Edits, Script, callee, dotted, expr, free_name, positional, statement

name = "iterate-the-loader"


@needs_failing_line
def match(problem: Problem) -> tuple[str, list[cst.Call], cst.BaseStatement] | None:
    """The loader `next()` was given on the failing line, every `next()` call on it (when they all
    sit in one function, or all at module level), and where an iterator over it would be made."""
    script = problem.script
    failing = [call for line in reversed(problem.facts.user_lines) for call in script.calls_on(line) if _advanced(call)]
    if not failing:
        return None
    loader = dotted(positional(failing[0])[0].value) or ""
    calls = [call for call in script.calls() if _advanced(call) and dotted(positional(call)[0].value) == loader]
    if len({script.function_of(call) for call in calls}) > 1:
        return None
    anchor = _before_first_use(script, calls[0])
    return (loader, calls, anchor) if anchor is not None else None


def apply(problem: Problem, found: tuple[str, list[cst.Call], cst.BaseStatement]) -> Edits:
    loader, calls, anchor = found
    script, edits = problem.script, problem.edits()
    if len(calls) == 1 and not script.in_loop(calls[0]):
        edits.replace(positional(calls[0])[0].value, expr(f"iter({loader})"))
        return edits
    batches = free_name(script, f"{loader.rsplit('.', 1)[-1]}_iter")
    edits.insert_before(anchor, statement(f"{batches} = iter({loader})\n"))
    for call in calls:
        edits.replace(positional(call)[0].value, cst.Name(batches))
    return edits


def _advanced(call: cst.Call) -> bool:
    """`next(loader)` (with or without a default) on a name or attribute, not on `iter(...)`."""
    args = positional(call)
    return callee(call) == "next" and bool(args) and dotted(args[0].value) is not None


def _before_first_use(script: Script, call: cst.Call) -> cst.BaseStatement | None:
    """The statement to make the iterator before: the outermost loop around the first `next` in
    its function (so that the loop advances one iterator), else the call's own statement."""
    function = script.function_of(call)
    loops = [a for a in script.ancestors(call) if isinstance(a, (cst.For, cst.While))
             and script.function_of(a) is function]
    return script.statement_of(loops[-1] if loops else call)

