"""A sampler decides which sample comes next, so DataLoader refuses `shuffle=True` beside one
(`sampler=` already orders the data), and `batch_sampler=` beside anything it decides itself
(batch size, order, dropping the last batch). Removing the arguments the sampler overrides lets
it decide, as it would have: a weighted or distributed sampler keeps its own shuffling.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem
from assistant.repair.recipes._edit import Edits, keyword, kind_of, positional, without_keywords

name = "sampler-decides-order"
OVERRIDDEN = {"sampler": ("shuffle",), "batch_sampler": ("batch_size", "shuffle", "sampler", "drop_last")}
# DataLoader(dataset, batch_size, shuffle, sampler, ...): how many positional arguments leave the
# overridden ones to keywords
_POSITIONAL_BEFORE = {"sampler": 2, "batch_sampler": 1}


def match(problem: Problem) -> list[tuple[cst.Call, tuple[str, ...]]] | None:
    """The DataLoader calls (on the failing line, else all) with a sampler, and the arguments of
    theirs that it overrides."""
    script = problem.script
    loaders = script.at_failure([call for call in script.calls() if kind_of(call) == "DataLoader"],
                                problem.facts.user_lines)
    found = [(call, overridden) for call in loaders if (overridden := _overridden(call))]
    return found or None


def apply(problem: Problem, found: list[tuple[cst.Call, tuple[str, ...]]]) -> Edits:
    edits = problem.edits()
    for call, overridden in found:
        edits.replace(call, without_keywords(call, overridden))
    return edits


def _overridden(call: cst.Call) -> tuple[str, ...]:
    """The keywords this call passes that its sampler (batch_sampler first) decides itself; none
    when one of them is passed by position."""
    for sampler, overridden in reversed(OVERRIDDEN.items()):
        if keyword(call, sampler) is not None:
            if len(positional(call)) > _POSITIONAL_BEFORE[sampler]:
                return ()
            return tuple(name for name in overridden if keyword(call, name) is not None)
    return ()

