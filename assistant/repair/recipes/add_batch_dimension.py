"""Layers take a batch: BatchNorm1d wants [N, C] or [N, C, L], BatchNorm2d [N, C, H, W]. A single
sample passed as-is lacks the leading batch dimension, so the layer rejects its rank (or reads its
features as the batch). unsqueeze(0) at the call site makes it a batch of one without touching the
model.
"""

from __future__ import annotations

import re

import libcst as cst

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._edit import Edits

name = "add-batch-dimension"
rank = 30
_RANKS = re.compile(r"expected (?:at least )?(?P<wanted>\d)D(?: or \dD)? input \(got (?P<got>\d)D input\)")


@needs_failing_line
def match(problem: Problem) -> cst.Call | None:
    """The model call where the unbatched input enters (outermost failing frame first), when the
    input is exactly one dimension short: a tensor with too many dims needs another fix."""
    ranks = _RANKS.search(problem.facts.message)
    if ranks is None or int(ranks["got"]) != int(ranks["wanted"]) - 1:
        return None
    calls = problem.script.model_calls(problem.facts.user_lines)
    return calls[0] if calls else None


def apply(problem: Problem, call: cst.Call) -> Edits:
    edits = problem.edits()
    edits.wrap_argument(call, "unsqueeze(0)")
    return edits
