"""softmax without `dim` makes torch guess the axis: 0 for 1-D and 3-D input, 1 otherwise. For
[batch, seq, classes] that is the batch axis, silently wrong, hence the deprecation warning (and
`torch.softmax(x)` refuses outright). The classes are almost always the last axis (`dim=-1`), and
for a [N, C, H, W] segmentation map they are dim 1; the recipe writes the axis explicitly.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem
from assistant.repair.recipes._edit import Edits, callee, has_call, keyword, kind_of, positional, with_keyword

name = "softmax-dim"
FUNCTIONS = ("softmax", "log_softmax", "softmin")
MODULES = ("Softmax", "LogSoftmax", "Softmin")
_NAMESPACES = ("F", "torch", "functional", "nn.functional", "torch.nn.functional", "torch.special")


def match(problem: Problem) -> list[cst.Call] | None:
    """Every softmax call or module that leaves the axis to torch's guess."""
    return [call for call in problem.script.calls() if _lacks_dim(call)] or None


def apply(problem: Problem, calls: list[cst.Call]) -> Edits:
    module = problem.script.module
    spatial = has_call(module, ("Conv2d", "Conv3d")) and not has_call(module, ("Linear",))
    edits = problem.edits()
    for call in calls:
        edits.replace(call, with_keyword(call, "dim", "1" if spatial else "-1"))
    return edits


def _lacks_dim(call: cst.Call) -> bool:
    """A softmax call or module constructor that leaves the axis to torch's guess."""
    kind = kind_of(call)
    if keyword(call, "dim") is not None or kind not in FUNCTIONS + MODULES:
        return False
    if kind in MODULES:
        return not positional(call)
    namespace = (callee(call) or "").rpartition(".")[0]
    is_function = namespace in _NAMESPACES or not namespace
    return len(positional(call)) < (2 if is_function else 1)
