"""The learning-rate schedulers' `verbose` argument only printed the rate; it was deprecated and
then removed, so old code passing it now stops at the scheduler's constructor. Dropping the
argument changes nothing the scheduler computes; `scheduler.get_last_lr()` gives the rate
wherever it should still be printed.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem
from assistant.repair.recipes._edit import Edits, callee, keyword, kind_of, without_keywords

name = "drop-scheduler-verbose"


def match(problem: Problem) -> list[cst.Call] | None:
    """The scheduler constructions that pass `verbose`: of the class the message names, else every
    one from torch.optim.lr_scheduler (the deprecation warning names none)."""
    named = problem.facts.values.get("scheduler", "").rsplit(".", 1)[-1]
    found = [call for call in problem.script.calls() if keyword(call, "verbose") is not None
             and (kind_of(call) == named if named else _is_scheduler(call))]
    return found or None


def apply(problem: Problem, schedulers: list[cst.Call]) -> Edits:
    edits = problem.edits()
    for call in schedulers:
        edits.replace(call, without_keywords(call, ("verbose",)))
    return edits


def _is_scheduler(call: cst.Call) -> bool:
    return "lr_scheduler" in (callee(call) or "") or kind_of(call).endswith(("LR", "LROnPlateau"))
