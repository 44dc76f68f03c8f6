"""torch.meshgrid warns when called without `indexing`, because the default is to change one day.
Code written so far relies on the current default, matrix ("ij") indexing; passing
`indexing="ij"` states exactly that, so every output keeps its shape and values and the warning
goes. Each call without the argument warns, so each gets it.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem
from assistant.repair.recipes._edit import Edits, keyword, kind_of, with_keyword

name = "meshgrid-indexing"


def match(problem: Problem) -> list[cst.Call] | None:
    """The torch.meshgrid calls that do not pass `indexing` (np.meshgrid never warns)."""
    script = problem.script
    calls = [call for call in script.calls() if kind_of(call) == "meshgrid" and keyword(call, "indexing") is None
             and not script.code(call.func).startswith(("np.", "numpy."))]
    return calls or None


def apply(problem: Problem, calls: list[cst.Call]) -> Edits:
    edits = problem.edits()
    for call in calls:
        edits.replace(call, with_keyword(call, "indexing", '"ij"'))
    return edits
