"""A checkpoint written on a GPU machine tags each tensor's storage with its device (`cuda:0`), and
torch.load rebuilds it there unless `map_location` says otherwise; on a machine without that GPU
it refuses. `map_location="cpu"` loads every storage into host memory, which any model accepts
(`model.to(device)` moves it afterwards), so the recipe writes it into the failing load call.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem
from assistant.repair.recipes._edit import Edits, callee, keyword, positional

name = "load-on-cpu"
_LOADS = ("torch.load", "torch.jit.load", "jit.load")


def match(problem: Problem) -> list[cst.Call] | None:
    """The torch.load calls on the failing line (else all) that map nothing, or map onto a CUDA
    device by a string literal."""
    script = problem.script
    loads = [call for call in script.calls() if callee(call) in _LOADS and positional(call)]
    loads = script.at_failure(loads, problem.facts.user_lines)
    return [call for call in loads if _maps_to_cuda_or_nothing(call)] or None


def apply(problem: Problem, loads: list[cst.Call]) -> Edits:
    edits = problem.edits()
    for call in loads:
        edits.set_keyword(call, "map_location", '"cpu"')
    return edits


def _maps_to_cuda_or_nothing(call: cst.Call) -> bool:
    mapped = keyword(call, "map_location")
    if mapped is None:
        return len(positional(call)) < 2  # torch.load(f, location) maps positionally
    value = mapped.value
    return isinstance(value, cst.SimpleString) and str(value.evaluated_value).startswith("cuda")
