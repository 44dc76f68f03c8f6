"""`pack_padded_sequence` (and `pack_sequence`) assume by default that the batch is sorted longest
first, which a shuffled batch never is. With `enforce_sorted=False` PyTorch sorts for packing and
remembers the permutation: `pad_packed_sequence` and the RNN's final state come back in the
caller's batch order, so the labels still line up. That is the entry's fix, written into the
packing call on the failing line.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem, needs_calls
from assistant.repair.recipes._edit import Edits, keyword, kind_of

name = "pack-unsorted"
PACKING = ("pack_padded_sequence", "pack_sequence")


@needs_calls(*PACKING)
def match(problem: Problem) -> list[cst.Call] | None:
    """The packing calls on the failing line (else every one) that leave enforce_sorted on."""
    script = problem.script
    packing = [call for call in script.calls() if kind_of(call) in PACKING and _enforces_sorting(call)]
    return script.at_failure(packing, problem.facts.user_lines) or None


def apply(problem: Problem, calls: list[cst.Call]) -> Edits:
    edits = problem.edits()
    for call in calls:
        edits.set_keyword(call, "enforce_sorted", "False")
    return edits


def _enforces_sorting(call: cst.Call) -> bool:
    flag = keyword(call, "enforce_sorted")
    return flag is None or not (isinstance(flag.value, cst.Name) and flag.value.value == "False")
